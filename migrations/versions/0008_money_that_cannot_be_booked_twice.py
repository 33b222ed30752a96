"""Money that cannot be booked twice: fixed invoice lines and supplementary invoices,
overpayments booked apart, refunds reserved before they are asked, parked events matched by
the provider's ids.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:45:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ACCOUNT_KINDS = ("funding", "client_budget", "client_savings", "copay_receivable", "team_budget", "reserve", "fees",
                 "payment_clearing", "overpayment")
LINE_KINDS = ("allocation", "health", "core", "reserve", "savings_draw", "copay", "to_savings", "payment", "refund",
              "fee", "extra", "overpayment")


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_accounts_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_accounts_known_kind'), f"kind IN ({_in(ACCOUNT_KINDS)})")
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_lines_known_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ledger_lines_known_kind'), f"kind IN ({_in(LINE_KINDS)})")

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_requested_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('overpaid_cents', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE payments SET refund_requested_cents = refunded_cents")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_payments_refund_request_within_amount'),
                                         "refund_requested_cents >= 0 AND refund_requested_cents <= amount_cents")
        batch_op.create_check_constraint(op.f('ck_payments_overpaid_within_amount'),
                                         "overpaid_cents >= 0 AND overpaid_cents <= amount_cents")

    with op.batch_alter_table('copay_invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('copay_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_copay_invoices_client_id_month'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_copay_invoices_client_id_month_sequence'),
                                          ['client_id', 'month', 'sequence'])
        batch_op.create_check_constraint(op.f('ck_copay_invoices_sequence_positive'), "sequence >= 1")

    op.create_table('copay_invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_copay_invoice_lines_amount_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'],
                            name=op.f('fk_copay_invoice_lines_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['invoice_id'], ['copay_invoices.id'],
                            name=op.f('fk_copay_invoice_lines_invoice_id_copay_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_copay_invoice_lines')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_copay_invoice_lines_entry_id'))
    )
    with op.batch_alter_table('copay_invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_copay_invoice_lines_invoice_id'), ['invoice_id'], unique=False)
    # Existing invoices get the weeks they were made from: the month's settled co-payments
    # booked before the invoice was made.
    conn = op.get_bind()
    invoices = conn.execute(sa.text("SELECT id, client_id, month, created_at FROM copay_invoices")).all()
    for invoice_id, client_id, month, created_at in invoices:
        rows = conn.execute(sa.text(
            "SELECT e.id, e.memo, e.booked_on, SUM(l.amount_cents) FROM journal_entries e "
            "JOIN ledger_lines l ON l.entry_id = e.id WHERE e.client_id = :c AND e.kind = 'settlement' "
            "AND l.kind = 'copay' AND e.booked_on >= :m AND e.created_at <= :t "
            "AND e.id NOT IN (SELECT entry_id FROM copay_invoice_lines) GROUP BY e.id, e.memo, e.booked_on"),
            {"c": client_id, "m": month, "t": created_at}).all()
        for entry_id, memo, booked_on, total in rows:
            if str(booked_on)[:7] != str(month)[:7]:
                continue
            conn.execute(sa.text("INSERT INTO copay_invoice_lines (invoice_id, entry_id, week, booked_on, amount_cents) "
                                 "VALUES (:i, :e, :w, :b, :a)"),
                         {"i": invoice_id, "e": entry_id, "w": (memo or "").removeprefix("week ")[:8],
                          "b": booked_on, "a": int(total)})

    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('related_id', sa.String(length=255), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_events_related_id'), ['related_id'], unique=False)
    for event_id, payload in conn.execute(sa.text(
            "SELECT id, payload FROM webhook_events WHERE type = 'refund.created'")).all():
        intent = (json.loads(payload).get("data") or {}).get("object", {}).get("payment_intent")
        if isinstance(intent, str) and intent:
            conn.execute(sa.text("UPDATE webhook_events SET related_id = :r WHERE id = :i"), {"r": intent, "i": event_id})


def downgrade():
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_related_id'))
        batch_op.drop_column('related_id')
    op.drop_table('copay_invoice_lines')
    with op.batch_alter_table('copay_invoices', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_copay_invoices_sequence_positive'), type_='check')
        batch_op.drop_constraint(op.f('uq_copay_invoices_client_id_month_sequence'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_copay_invoices_client_id_month'), ['client_id', 'month'])
        batch_op.drop_column('sequence')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_overpaid_within_amount'), type_='check')
        batch_op.drop_constraint(op.f('ck_payments_refund_request_within_amount'), type_='check')
        batch_op.drop_column('overpaid_cents')
        batch_op.drop_column('refund_requested_cents')
