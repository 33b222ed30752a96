"""The market: teams' published offers (versions) and families' ratings of teams.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:30:00

"""
from alembic import op
import sqlalchemy as sa

from marketplace.core.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ASPECTS = ('care', 'attention', 'communication', 'reliability', 'atmosphere')


def upgrade():
    op.create_table(
        'team_offers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=2000), nullable=False),
        sa.Column('way_of_working', sa.String(length=2000), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('known_for', sa.JSON(), nullable=False),
        sa.Column('member_languages', sa.JSON(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_team_offers_version_positive')),
        sa.CheckConstraint('capacity >= 0', name=op.f('ck_team_offers_capacity_not_negative')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_team_offers_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_team_offers_published_by_id_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_offers_team_id_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_offers')),
        sa.UniqueConstraint('team_id', 'version', name=op.f('uq_team_offers_team_id_version')),
    )
    op.create_index(op.f('ix_team_offers_organisation_id'), 'team_offers', ['organisation_id'])
    op.create_index(op.f('ix_team_offers_team_id'), 'team_offers', ['team_id'])
    op.create_table(
        'team_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        *(sa.Column(aspect, sa.SmallInteger(), nullable=False) for aspect in ASPECTS),
        sa.Column('recommend', sa.Boolean(), nullable=False),
        sa.Column('comment', sa.String(length=2000), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('replaced_at', UTCDateTime(), nullable=True),
        sa.Column('reply', sa.String(length=2000), nullable=True),
        sa.Column('replied_at', UTCDateTime(), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden_at', UTCDateTime(), nullable=True),
        sa.Column('hidden_reason', sa.String(length=500), nullable=False),
        sa.Column('hidden_by_id', sa.Integer(), nullable=True),
        *(sa.CheckConstraint(f'{aspect} BETWEEN 1 AND 10', name=op.f(f'ck_team_ratings_{aspect}_range'))
          for aspect in ASPECTS),
        sa.CheckConstraint("status IN ('current', 'earlier', 'replaced')", name=op.f('ck_team_ratings_known_status')),
        sa.CheckConstraint("hidden_at IS NULL OR hidden_reason <> ''", name=op.f('ck_team_ratings_hidden_with_reason')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_team_ratings_author_id_users')),
        sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_team_ratings_client_id_clients')),
        sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_team_ratings_hidden_by_id_users')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_team_ratings_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_team_ratings_replied_by_id_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_ratings_team_id_teams')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_ratings')),
    )
    for column in ('organisation_id', 'team_id', 'client_id', 'author_id', 'created_at'):
        op.create_index(op.f(f'ix_team_ratings_{column}'), 'team_ratings', [column])
    op.create_index('uq_team_ratings_current', 'team_ratings', ['team_id', 'client_id'], unique=True,
                    sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))


def downgrade():
    op.drop_index('uq_team_ratings_current', table_name='team_ratings',
                  sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))
    for column in ('organisation_id', 'team_id', 'client_id', 'author_id', 'created_at'):
        op.drop_index(op.f(f'ix_team_ratings_{column}'), table_name='team_ratings')
    op.drop_table('team_ratings')
    op.drop_index(op.f('ix_team_offers_team_id'), table_name='team_offers')
    op.drop_index(op.f('ix_team_offers_organisation_id'), table_name='team_offers')
    op.drop_table('team_offers')
