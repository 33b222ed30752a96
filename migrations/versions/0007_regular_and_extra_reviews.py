"""Reviews are regular (the one that was due; the cycle continues from it) or extra (held
before it was due, for a reason; the cycle stays). Reviews recorded before are regular.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='regular', nullable=False))
        batch_op.add_column(sa.Column('reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.alter_column('due_on', existing_type=sa.Date(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_reviews_known_kind'), "kind IN ('regular', 'extra')")
        batch_op.create_check_constraint(
            op.f('ck_reviews_extra_has_a_reason'),
            "(kind = 'regular' AND due_on IS NOT NULL AND reason = '') "
            "OR (kind = 'extra' AND due_on IS NULL AND reason <> '')")


def downgrade():
    op.execute("DELETE FROM reviews WHERE kind = 'extra'")
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reviews_extra_has_a_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_reviews_known_kind'), type_='check')
        batch_op.alter_column('due_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('reason')
        batch_op.drop_column('kind')
