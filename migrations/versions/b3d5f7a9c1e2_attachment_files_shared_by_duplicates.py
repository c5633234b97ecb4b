"""attachment files shared by a duplicated item's copies: storage_key no longer unique

Revision ID: b3d5f7a9c1e2
Revises: a15c7d2e9f40
Create Date: 2026-12-01 14:10:00

"""
from alembic import op

revision = 'b3d5f7a9c1e2'
down_revision = 'a15c7d2e9f40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attachments_storage_key'), type_='unique')
        batch_op.create_index(batch_op.f('ix_attachments_storage_key'), ['storage_key'], unique=False)


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_storage_key'))
        batch_op.create_unique_constraint(batch_op.f('uq_attachments_storage_key'), ['storage_key'])
