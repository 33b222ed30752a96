"""Proposals reach the team: a proposal is taken over into the draft or declined with a reason,
and its history stays (``proposed``, who decided, when, why declined).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import marketplace.core.db_types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('proposal', 'draft', 'replaced', 'submitted', 'active', 'superseded')"
NEW_STATUSES = ("status IN ('proposal', 'draft', 'replaced', 'submitted', 'active', 'superseded', 'taken_over', "
                "'declined')")


def upgrade():
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', marketplace.core.db_types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('decline_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_package_versions_decided_by_id_users'), 'users',
                                    ['decided_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_package_versions_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_package_versions_known_status'), NEW_STATUSES)
        batch_op.create_check_constraint(batch_op.f('ck_package_versions_declined_has_a_reason'),
                                         "status <> 'declined' OR decline_reason <> ''")
    op.execute("UPDATE package_versions SET proposed = true WHERE status = 'proposal'")


def downgrade():
    op.execute("UPDATE package_versions SET status = 'replaced' WHERE status IN ('taken_over', 'declined')")
    with op.batch_alter_table('package_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_package_versions_declined_has_a_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_package_versions_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_package_versions_known_status'), OLD_STATUSES)
        batch_op.drop_constraint(batch_op.f('fk_package_versions_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by_id')
        batch_op.drop_column('proposed')
