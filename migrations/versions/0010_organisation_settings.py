"""Administrators run the organisation: dated settings (meter thresholds, overhead), active teams and locations.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.core.db_types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('orange_from_pct', sa.Integer(), nullable=False),
    sa.Column('red_above_pct', sa.Integer(), nullable=False),
    sa.Column('overhead_pct', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.core.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('orange_from_pct > 0 AND orange_from_pct < red_above_pct AND red_above_pct <= 200',
                       name=op.f('ck_organisation_settings_thresholds_in_order')),
    sa.CheckConstraint('overhead_pct >= 0 AND overhead_pct <= 100',
                       name=op.f('ck_organisation_settings_overhead_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_organisation_settings_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_organisation_settings_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_settings')),
    sa.UniqueConstraint('organisation_id', 'valid_from',
                        name=op.f('uq_organisation_settings_organisation_id_valid_from'))
    )
    with op.batch_alter_table('organisation_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_settings_organisation_id'), ['organisation_id'],
                              unique=False)
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('organisation_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_settings_organisation_id'))
    op.drop_table('organisation_settings')
