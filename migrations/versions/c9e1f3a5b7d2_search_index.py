"""search index: search_documents (PostgreSQL tsvector + GIN, unaccent) and SQLite's FTS5 search_fts

Existing items are not indexed by this revision (stemming SQLite's words takes the
application's code): run ``flask --app wsgi relais reindex`` once after upgrading.

Revision ID: c9e1f3a5b7d2
Revises: c4e6a8f0b2d4
Create Date: 2026-12-01 16:30:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'c9e1f3a5b7d2'
down_revision = 'c4e6a8f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS unaccent')
    op.create_table(
        'search_documents',
        sa.Column('item_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_search_documents_item_id_items'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_search_documents')),
    )
    op.create_index('ix_search_documents_document', 'search_documents', ['document'], unique=False,
                    postgresql_using='gin')
    if dialect == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, labels, content, comments, "
                   "tokenize = 'unicode61 remove_diacritics 2')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS search_fts')
    op.drop_index('ix_search_documents_document', table_name='search_documents', postgresql_using='gin')
    op.drop_table('search_documents')
