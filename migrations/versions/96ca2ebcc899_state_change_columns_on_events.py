"""state change columns on events, with the dashboard's indexes

Revision ID: 96ca2ebcc899
Revises: 88a3035bf6fa
Create Date: 2026-11-25 12:56:40.749951

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '96ca2ebcc899'
down_revision = '88a3035bf6fa'
branch_labels = None
depends_on = None

# The payload's top-level "from"/"to", when they are strings: what the model's column
# defaults copy for new events (models/events.py), here for the events already logged.
BACK_FILL = {
    "sqlite": """
        UPDATE events SET
          from_state = CASE WHEN json_type(payload, '$.from') = 'text' THEN json_extract(payload, '$.from') END,
          to_state = CASE WHEN json_type(payload, '$.to') = 'text' THEN json_extract(payload, '$.to') END
        WHERE json_type(payload, '$.from') = 'text' OR json_type(payload, '$.to') = 'text'""",
    "postgresql": """
        UPDATE events SET
          from_state = CASE WHEN json_typeof(payload -> 'from') = 'string' THEN payload ->> 'from' END,
          to_state = CASE WHEN json_typeof(payload -> 'to') = 'string' THEN payload ->> 'to' END
        WHERE json_typeof(payload -> 'from') = 'string' OR json_typeof(payload -> 'to') = 'string'""",
}


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_state', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('to_state', sa.String(length=40), nullable=True))

    # One UPDATE over the log, before the indexes exist (building them afterwards is cheaper).
    op.execute(BACK_FILL[op.get_bind().dialect.name])

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_group_time', ['group_id', 'created_at', 'item_id', 'type', 'from_state', 'to_state'], unique=False)
        batch_op.create_index('ix_events_left', ['from_state', 'group_id', 'created_at', 'to_state', 'item_id'], unique=False)
        batch_op.create_index('ix_events_item_entered', ['item_id', 'to_state', 'id', 'from_state', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_item_entered')
        batch_op.drop_index('ix_events_left')
        batch_op.drop_index('ix_events_group_time')
        batch_op.drop_column('to_state')
        batch_op.drop_column('from_state')
