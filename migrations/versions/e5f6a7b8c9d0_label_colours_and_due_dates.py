"""label colours (existing labels get the palette's colours in turn, per group); items' due dates

Revision ID: e5f6a7b8c9d0
Revises: e7a1c2d3b4f5
Create Date: 2026-12-01 13:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e5f6a7b8c9d0'
down_revision = 'e7a1c2d3b4f5'
branch_labels = None
depends_on = None

# domain.labels.COLORS when this revision was written (a migration does not follow later edits).
PALETTE = ("green", "yellow", "orange", "red", "purple", "blue", "sky", "teal", "pink", "gray")


def upgrade():
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('color', sa.String(length=20), server_default='gray', nullable=False))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_items_due_at', ['due_at'], unique=False)
    bind = op.get_bind()
    labels = sa.table('labels', sa.column('id', sa.Integer), sa.column('group_id', sa.Integer),
                      sa.column('color', sa.String))
    seen = {}
    for label_id, group_id in bind.execute(sa.select(labels.c.id, labels.c.group_id).order_by(labels.c.id)).all():
        n = seen.get(group_id, 0)
        seen[group_id] = n + 1
        bind.execute(labels.update().where(labels.c.id == label_id).values(color=PALETTE[n % len(PALETTE)]))


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_due_at')
        batch_op.drop_column('due_at')
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.drop_column('color')
