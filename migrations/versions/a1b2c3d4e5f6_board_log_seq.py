"""board log: per-board seq, idempotency claims

Revision ID: a1b2c3d4e5f6
Revises: 96fe5ac0a322
Create Date: 2026-12-01 10:20:00

Existing events get their board's seq in id order; each board's head is its count.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a1b2c3d4e5f6'
down_revision = '96fe5ac0a322'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seq', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, group_id FROM events WHERE group_id IS NOT NULL ORDER BY id")).all()
    heads = {}
    for event_id, group_id in rows:
        heads[group_id] = heads.get(group_id, 0) + 1
        conn.execute(sa.text("UPDATE events SET seq = :seq WHERE id = :id"), {"seq": heads[group_id], "id": event_id})
    for group_id, head in heads.items():
        conn.execute(sa.text("UPDATE groups SET last_seq = :head WHERE id = :id"), {"head": head, "id": group_id})

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_events_group_seq', ['group_id', 'seq'])


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_events_group_seq', type_='unique')
        batch_op.drop_column('seq')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_column('item_id')
        batch_op.drop_column('claim')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('last_seq')
