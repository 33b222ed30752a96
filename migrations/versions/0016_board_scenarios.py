"""The board's named scenarios (issue 14): changes only, unique name per organisation.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:20:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db_types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_scenarios',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.core.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_board_scenarios_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_board_scenarios_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_scenarios')),
    sa.UniqueConstraint('organisation_id', 'name', name=op.f('uq_board_scenarios_organisation_id_name'))
    )
    with op.batch_alter_table('board_scenarios', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_scenarios_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('board_scenarios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_scenarios_organisation_id'))
    op.drop_table('board_scenarios')
