"""The house for the market: team target groups as rows, payments for any purpose,
webhook replays deduplicated only where a repeat is a replay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TARGET_GROUPS = ("somatic", "pg", "structured_living")


def upgrade():
    op.create_table('team_target_groups',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=20), nullable=False),
    sa.CheckConstraint("target_group IN ('somatic', 'pg', 'structured_living')",
                       name=op.f('ck_team_target_groups_known_target_group')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_target_groups_team_id_teams'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'target_group', name=op.f('pk_team_target_groups'))
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, target_groups FROM teams")).all()
    for team_id, groups in rows:
        for group in dict.fromkeys(part.strip() for part in (groups or "").split(",")):
            if group in TARGET_GROUPS:
                conn.execute(sa.text("INSERT INTO team_target_groups (team_id, target_group) VALUES (:t, :g)"),
                             {"t": team_id, "g": group})
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('target_groups')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=30), server_default='copay_invoice',
                                      nullable=False))
        batch_op.add_column(sa.Column('reference_id', sa.BigInteger(), nullable=True))
    op.execute("UPDATE payments SET reference_id = invoice_id")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_payments_purpose_named'), "purpose <> ''")
        batch_op.create_check_constraint(op.f('ck_payments_copay_has_invoice'),
                                         "purpose <> 'copay_invoice' OR invoice_id IS NOT NULL")
        batch_op.create_check_constraint(op.f('ck_payments_has_reference'),
                                         "reference_id IS NOT NULL OR invoice_id IS NOT NULL")

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replay_key', sa.String(length=400), nullable=True))
    # Every stored event so far is of a type whose repeat is a replay.
    op.execute("UPDATE webhook_events SET replay_key = type || ':' || object_id")
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_events_type_object_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_webhook_events_replay_key'), ['replay_key'])


def downgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_webhook_events_replay_key'), type_='unique')
        batch_op.create_unique_constraint('uq_webhook_events_type_object_id', ['type', 'object_id'])
        batch_op.drop_column('replay_key')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_has_reference'), type_='check')
        batch_op.drop_constraint(op.f('ck_payments_copay_has_invoice'), type_='check')
        batch_op.drop_constraint(op.f('ck_payments_purpose_named'), type_='check')
        batch_op.drop_column('reference_id')
        batch_op.drop_column('purpose')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_groups', sa.String(length=100), nullable=False,
                                      server_default='somatic'))
    conn = op.get_bind()
    groups: dict[int, list[str]] = {}
    for team_id, group in conn.execute(sa.text("SELECT team_id, target_group FROM team_target_groups")).all():
        groups.setdefault(team_id, []).append(group)
    for team_id, names in groups.items():
        conn.execute(sa.text("UPDATE teams SET target_groups = :g WHERE id = :t"),
                     {"t": team_id, "g": ",".join(sorted(names))})
    op.drop_table('team_target_groups')
