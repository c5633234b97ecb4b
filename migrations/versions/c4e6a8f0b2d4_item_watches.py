"""item watches (« Suivre »): who follows an item, explicit stops kept; backfilled
with the authors, assignees and commenters of existing items

Revision ID: c4e6a8f0b2d4
Revises: c4e8a2f6d1b3
Create Date: 2026-12-01 16:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e6a8f0b2d4'
down_revision = 'c4e8a2f6d1b3'
branch_labels = None
depends_on = None

_NOT_YET = ("NOT EXISTS (SELECT 1 FROM item_watches w WHERE w.user_id = {user} AND w.item_id = {item})")


def upgrade():
    op.create_table(
        'item_watches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('watching', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_watches_item_id_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_item_watches_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_item_watches')),
        sa.UniqueConstraint('user_id', 'item_id', name=op.f('uq_item_watches_user_id')),
    )
    op.create_index('ix_item_watches_item_watching', 'item_watches', ['item_id', 'watching'], unique=False)
    # Those who would have followed automatically follow the items that exist already.
    op.execute("INSERT INTO item_watches (user_id, item_id, watching, created_at) "
               "SELECT i.author_id, i.id, TRUE, i.created_at FROM items i")
    op.execute("INSERT INTO item_watches (user_id, item_id, watching, created_at) "
               "SELECT a.user_id, a.item_id, TRUE, i.created_at FROM item_assignees a JOIN items i ON i.id = a.item_id "
               "WHERE " + _NOT_YET.format(user="a.user_id", item="a.item_id"))
    op.execute("INSERT INTO item_watches (user_id, item_id, watching, created_at) "
               "SELECT c.author_id, c.item_id, TRUE, MIN(c.created_at) FROM comments c "
               "WHERE " + _NOT_YET.format(user="c.author_id", item="c.item_id") + " GROUP BY c.author_id, c.item_id")


def downgrade():
    op.drop_index('ix_item_watches_item_watching', table_name='item_watches')
    op.drop_table('item_watches')
