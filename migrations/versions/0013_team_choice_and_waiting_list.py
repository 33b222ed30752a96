"""The market: a family's team choice (pending until its Monday, history kept), waiting lists and
offers of a place.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 16:03:09.043270

"""
from alembic import op
import sqlalchemy as sa

from marketplace.core.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('waiting_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('joined_by_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('joined_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ended_at', UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('waiting', 'accepted', 'declined', 'expired', 'left')", name=op.f('ck_waiting_entries_known_status')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_waiting_entries_client_id_clients')),
    sa.ForeignKeyConstraint(['joined_by_id'], ['users.id'], name=op.f('fk_waiting_entries_joined_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_waiting_entries_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_waiting_entries_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_entries'))
    )
    with op.batch_alter_table('waiting_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_entries_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_entries_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_waiting_entries_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index('uq_waiting_entries_once', ['client_id', 'team_id'], unique=True, sqlite_where=sa.text("status = 'waiting'"), postgresql_where=sa.text("status = 'waiting'"))

    op.create_table('place_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('offered_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_at', UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'accepted', 'declined', 'expired')", name=op.f('ck_place_offers_known_status')),
    sa.CheckConstraint('expires_at > offered_at', name=op.f('ck_place_offers_expires_after_offer')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_place_offers_client_id_clients')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_place_offers_decided_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['waiting_entries.id'], name=op.f('fk_place_offers_entry_id_waiting_entries')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_place_offers_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_place_offers_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place_offers'))
    )
    with op.batch_alter_table('place_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_offers_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_offers_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_place_offers_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_place_offers_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index('uq_place_offers_one_open', ['entry_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('team_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('previous_team_id', sa.Integer(), nullable=True),
    sa.Column('chosen_by_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('ended_at', UTCDateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'applied', 'withdrawn', 'replaced')", name=op.f('ck_team_choices_known_status')),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_team_choices_chosen_by_id_users')),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_team_choices_client_id_clients')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_team_choices_ended_by_id_users')),
    sa.ForeignKeyConstraint(['offer_id'], ['place_offers.id'], name=op.f('fk_team_choices_offer_id_place_offers')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_team_choices_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['previous_team_id'], ['teams.id'], name=op.f('fk_team_choices_previous_team_id_teams')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_choices_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_choices'))
    )
    with op.batch_alter_table('team_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_choices_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_choices_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_team_choices_team_status', ['team_id', 'status'], unique=False)
        batch_op.create_index('uq_team_choices_one_pending', ['client_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))



def downgrade():
    with op.batch_alter_table('team_choices', schema=None) as batch_op:
        batch_op.drop_index('uq_team_choices_one_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_team_choices_team_status')
        batch_op.drop_index(batch_op.f('ix_team_choices_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_team_choices_client_id'))

    op.drop_table('team_choices')
    with op.batch_alter_table('place_offers', schema=None) as batch_op:
        batch_op.drop_index('uq_place_offers_one_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_place_offers_team_status')
        batch_op.drop_index(batch_op.f('ix_place_offers_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_place_offers_entry_id'))
        batch_op.drop_index(batch_op.f('ix_place_offers_client_id'))

    op.drop_table('place_offers')
    with op.batch_alter_table('waiting_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_waiting_entries_once', sqlite_where=sa.text("status = 'waiting'"), postgresql_where=sa.text("status = 'waiting'"))
        batch_op.drop_index('ix_waiting_entries_team_status')
        batch_op.drop_index(batch_op.f('ix_waiting_entries_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_waiting_entries_client_id'))

    op.drop_table('waiting_entries')
