"""items.changes_requested: a lead sent the item back for changes (the board's mark)

Revision ID: c4e8a2f6d1b3
Revises: b3d5f7a9c1e2
Create Date: 2026-12-01 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e8a2f6d1b3'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_requested', sa.Boolean(), nullable=False, server_default=sa.false()))
    # Items a lead already sent back and that were not submitted again: their last review asked for changes.
    last = "(SELECT r.{} FROM reviews r WHERE r.item_id = items.id ORDER BY r.id DESC LIMIT 1)"
    op.get_bind().execute(sa.text(
        "UPDATE items SET changes_requested = :yes WHERE state = 'proposed' AND review_round > 0 "
        f"AND {last.format('decision')} = 'request_changes' AND {last.format('round')} = items.review_round"),
        {"yes": True})


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('changes_requested')
