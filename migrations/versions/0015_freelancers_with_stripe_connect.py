"""Freelancers (issue 13): their profile and approval, their Stripe Connect account and payouts,
a second kind of provider of extras, and an account for their earnings in the ledger.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 19:03:22.015101

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db_types


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

ACCOUNT_KINDS = ("funding", "client_budget", "client_savings", "copay_receivable", "team_budget", "reserve", "fees",
                 "payment_clearing", "overpayment", "freelancer")


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    op.create_table('freelancers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kvk_number', sa.String(length=8), nullable=False),
    sa.Column('big_number', sa.String(length=11), nullable=True),
    sa.Column('home_team_id', sa.Integer(), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('bio', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=False),
    sa.Column('status_changed_at', marketplace.core.db_types.UTCDateTime(), nullable=True),
    sa.Column('status_changed_by_id', sa.Integer(), nullable=True),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=True),
    sa.Column('charges_enabled', sa.Boolean(), nullable=False),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('requirements_due', sa.JSON(), nullable=False),
    sa.Column('account_event_created', sa.BigInteger(), nullable=True),
    sa.Column('created_at', marketplace.core.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status <> 'suspended' OR status_reason <> ''", name=op.f('ck_freelancers_suspended_with_reason')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'suspended')", name=op.f('ck_freelancers_known_status')),
    sa.ForeignKeyConstraint(['home_team_id'], ['teams.id'], name=op.f('fk_freelancers_home_team_id_teams')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_freelancers_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['status_changed_by_id'], ['users.id'], name=op.f('fk_freelancers_status_changed_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_freelancers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_freelancers')),
    sa.UniqueConstraint('stripe_account_id', name=op.f('uq_freelancers_stripe_account_id')),
    sa.UniqueConstraint('user_id', name=op.f('uq_freelancers_user_id'))
    )
    with op.batch_alter_table('freelancers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_freelancers_home_team_id'), ['home_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_freelancers_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('freelancer_id', sa.Integer(), nullable=False),
    sa.Column('stripe_payout_id', sa.String(length=255), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('failure_message', sa.String(length=500), nullable=False),
    sa.Column('event_created', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', marketplace.core.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('paid', 'failed')", name=op.f('ck_payouts_known_status')),
    sa.ForeignKeyConstraint(['freelancer_id'], ['freelancers.id'], name=op.f('fk_payouts_freelancer_id_freelancers')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_payouts_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payouts')),
    sa.UniqueConstraint('stripe_payout_id', name=op.f('uq_payouts_stripe_payout_id'))
    )
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payouts_freelancer_id'), ['freelancer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payouts_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('freelancer_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_providers_freelancer_id'), ['freelancer_id'])
        batch_op.create_foreign_key(batch_op.f('fk_providers_freelancer_id_freelancers'), 'freelancers', ['freelancer_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_providers_freelancer_named'),
                                         "kind <> 'freelancer' OR freelancer_id IS NOT NULL")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('destination_account', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('application_fee_cents', sa.BigInteger(), nullable=True))
    # A freelancer's earnings are an account of the ledger.
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_accounts_known_kind'), f"kind IN ({_in(ACCOUNT_KINDS)})")


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('application_fee_cents')
        batch_op.drop_column('destination_account')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_accounts_known_kind'), f"kind IN ({_in(ACCOUNT_KINDS[:-1])})")
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_providers_freelancer_named'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_providers_freelancer_id_freelancers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_providers_freelancer_id'), type_='unique')
        batch_op.drop_column('freelancer_id')

    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payouts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_payouts_freelancer_id'))

    op.drop_table('payouts')
    with op.batch_alter_table('freelancers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_freelancers_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_freelancers_home_team_id'))

    op.drop_table('freelancers')
