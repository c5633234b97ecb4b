"""compare item ranks bytewise on postgresql

Revision ID: f8c8744fe4a2
Revises: c72aa131ffa9
Create Date: 2026-11-25 09:27:10.795830

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f8c8744fe4a2'
down_revision = 'c72aa131ffa9'
branch_labels = None
depends_on = None


def upgrade():
    # Cards are ordered by lexicographic ranks built from "0-9A-Za-z" (domain/ranking.py),
    # which must compare byte by byte. A PostgreSQL database created with a linguistic
    # locale (fr_FR.UTF-8, en_US.UTF-8) would sort "a" before "B" and misplace cards.
    # SQLite compares bytes already (BINARY).
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE items ALTER COLUMN rank TYPE VARCHAR(255) COLLATE "C"')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE items ALTER COLUMN rank TYPE VARCHAR(255) COLLATE "default"')
