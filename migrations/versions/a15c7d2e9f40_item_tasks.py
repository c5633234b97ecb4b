"""item tasks (per-card to-do list) and their counters on items

Revision ID: a15c7d2e9f40
Revises: e5f6a7b8c9d0
Create Date: 2026-12-01 14:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a15c7d2e9f40'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_tasks_item_id_items')),
        sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_tasks_done_by_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tasks_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    )
    op.create_index('ix_tasks_item_position', 'tasks', ['item_id', 'position'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tasks_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tasks_total', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('tasks_total')
        batch_op.drop_column('tasks_done')
    op.drop_index('ix_tasks_item_position', table_name='tasks')
    op.drop_table('tasks')
