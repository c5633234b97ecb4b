"""mail: notifications held for a grouped mail, unsubscribe link, digest offered

Revision ID: d4e7a9c2b610
Revises: d4e5f6a7b8c9
Create Date: 2026-12-01 13:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'd4e7a9c2b610'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notifications_mail_due', ['mail_due_at'], unique=False)
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=500), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_offered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_offered_at')
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_mail_due')
        batch_op.drop_column('mail_due_at')
