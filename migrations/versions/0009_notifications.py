"""Notifications and the mail outbox; the user's settings for e-mail and API tokens.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:15:00

"""
from alembic import op
import sqlalchemy as sa

from marketplace.core.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('read_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notifications_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    )
    op.create_index(op.f('ix_notifications_organisation_id'), 'notifications', ['organisation_id'])
    op.create_index('ix_notifications_user_unread', 'notifications', ['user_id', 'read_at'])
    op.create_table(
        'outbox_mails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_outbox_mails_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_mails_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails')),
    )
    op.create_index(op.f('ix_outbox_mails_organisation_id'), 'outbox_mails', ['organisation_id'])
    op.create_index(op.f('ix_outbox_mails_user_id'), 'outbox_mails', ['user_id'])
    op.create_index('ix_outbox_mails_due', 'outbox_mails', ['sent_at', 'next_attempt_at'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('api_access', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('api_access')
        batch_op.drop_column('email_notifications')
    op.drop_index('ix_outbox_mails_due', table_name='outbox_mails')
    op.drop_index(op.f('ix_outbox_mails_user_id'), table_name='outbox_mails')
    op.drop_index(op.f('ix_outbox_mails_organisation_id'), table_name='outbox_mails')
    op.drop_table('outbox_mails')
    op.drop_index('ix_notifications_user_unread', table_name='notifications')
    op.drop_index(op.f('ix_notifications_organisation_id'), table_name='notifications')
    op.drop_table('notifications')
