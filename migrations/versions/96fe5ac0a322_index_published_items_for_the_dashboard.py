"""index published items for the dashboard

Revision ID: 96fe5ac0a322
Revises: 96ca2ebcc899
Create Date: 2026-11-25 13:27:53.644234

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '96fe5ac0a322'
down_revision = '96ca2ebcc899'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_published', ['group_id', 'deleted', 'published_at', 'created_at', 'channel_id', 'resource_type'], unique=False)


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_published')
