"""JSON API for invoices, payments, statements and the administrator's billing tasks."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care import clients
from marketplace.core.api import json_body
from marketplace.core.calendar import InvalidMonth, InvalidWeek
from marketplace.core.db_types import local_today
from marketplace.core.errors import ApiError, NotInScope
from marketplace.core.extensions import csrf
from marketplace.core.policy import Perm, authorize, load

from . import history, invoices, payments, settlement, statements
from .gateway import GatewayError
from .ledger import verify
from .models import CopayInvoice

bp = Blueprint("billing_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def invoice_json(invoice: CopayInvoice, weeks=None) -> dict:
    weeks = weeks if weeks is not None else invoices.invoice_weeks(invoice)
    return {"id": invoice.id, "number": invoice.number, "client_id": invoice.client_id,
            "month": invoice.month.isoformat()[:7], "sequence": invoice.sequence,
            "issued_on": invoice.issued_on.isoformat(), "due_on": invoice.due_on.isoformat(),
            "overdue": invoice.overdue(local_today()), "amount_cents": invoice.amount_cents,
            "due_cents": invoice.due_cents, "status": invoice.status,
            "weeks": [{"week": w.week, "monday": w.booked_on.isoformat(), "amount_cents": w.amount_cents}
                      for w in weeks]}


@bp.get("/clients/<int:client_id>/invoices")
@login_required
def list_invoices(client_id: int):
    client = clients.get_client(current_user, client_id)
    rows = invoices.invoices_of(current_user, client)
    return jsonify(invoices=[invoice_json(i) for i in rows],
                   statement_months=[m.isoformat()[:7] for m in statements.statement_months(current_user, client)])


@bp.get("/clients/<int:client_id>/invoices/<int:invoice_id>")
@login_required
def get_invoice(client_id: int, invoice_id: int):
    client = clients.get_client(current_user, client_id)
    return jsonify(invoice=invoice_json(invoices.invoice_of(current_user, client, invoice_id)))


@bp.get("/clients/<int:client_id>/budget/history")
@login_required
def budget_history(client_id: int):
    client = clients.get_client(current_user, client_id)
    return jsonify(weeks=[{
        "monday": r.monday.isoformat(), "budget_cents": r.budget, "package_cost_cents": r.package_cost,
        "copay_cents": r.copay, "from_savings_cents": r.from_savings, "to_savings_cents": r.to_savings,
        "savings_balance_cents": r.savings_balance, "versions_started": list(r.versions),
    } for r in history.budget_history(current_user, client)])


@bp.post("/invoices/<int:invoice_id>/pay")
@login_required
def pay_invoice(invoice_id: int):
    invoice = load(CopayInvoice, invoice_id)
    if invoice is None:
        raise NotInScope()
    clients.get_client(current_user, invoice.client_id)  # 404 outside the scope
    try:
        payment = invoices.pay_invoice(current_user._get_current_object(), invoice)
    except invoices.InvoiceNotPayable:
        raise ApiError(409, "already_paid", _("This invoice is paid already."))
    except payments.PaymentInProgress:
        raise ApiError(409, "payment_in_progress",
                       _("A payment for this invoice is being opened. Try again in a moment."))
    except GatewayError as exc:
        raise ApiError(502, exc.code, exc.message)
    return jsonify(payment={"id": payment.id, "status": payment.status, "checkout_url": payment.checkout_url}), 201


def _month(value: str) -> date:
    try:
        return invoices.parse_month(value)
    except InvalidMonth:
        raise ApiError(422, "invalid", _("Write the month like 2026-11."))


@bp.get("/clients/<int:client_id>/statements/<month>")
@login_required
def client_statement(client_id: int, month: str):
    client = clients.get_client(current_user, client_id)
    s = statements.client_month(current_user, client, _month(month))
    return jsonify(client_id=s.client_id, month=month, budget_cents=s.budget, package_cost_cents=s.package_cost,
                   health_cents=s.health, paid_by_organisation_cents=s.reserve, core_from_budget_cents=s.core,
                   copay_cents=s.copay, to_savings_cents=s.savings_in, from_savings_cents=s.savings_out,
                   extras_cents=s.extras, extras_paid_cents=s.extras_paid, extras_refunded_cents=s.extras_refunded,
                   extra_payments=[{"payment_id": p.payment_id, "paid_at": p.paid_at.isoformat(),
                                    "description": p.description, "paid_cents": p.paid_cents,
                                    "refunded_cents": p.refunded_cents} for p in s.other_payments])


@bp.post("/admin/settlements")
@login_required
def settle():
    authorize(current_user, Perm.BILLING_ADMIN)
    data = json_body({"week"}, {"week"})
    try:
        run = settlement.settle_week(str(data["week"]), current_user._get_current_object(),
                                     organisation_id=current_user.organisation_id)
    except InvalidWeek:
        raise ApiError(422, "invalid", _("Write the week like 2026-W48."), {"week": _("Write the week like 2026-W48.")})
    except settlement.WeekNotOver as exc:
        raise ApiError(422, exc.code, str(exc.message), {"week": str(exc.message)})
    return jsonify(week=run.week, settled=run.settled, already=run.already, skipped=run.skipped)


@bp.post("/admin/invoices")
@login_required
def make_invoices():
    authorize(current_user, Perm.BILLING_ADMIN)
    data = json_body({"month"}, {"month"})
    created = invoices.create_invoices(_month(str(data["month"])), current_user._get_current_object(),
                                       organisation_id=current_user.organisation_id)
    return jsonify(created=[invoice_json(i) for i in created]), 201


@bp.get("/admin/ledger/verify")
@login_required
def ledger_verify():
    authorize(current_user, Perm.BILLING_ADMIN)
    return jsonify(breaches=[{"rule": b.rule, "detail": b.detail} for b in verify(current_user.organisation_id)])


@bp.get("/admin/payments")
@login_required
def list_payments():
    """The latest payments with resident, invoice and date (the administrator's list)."""
    return jsonify(payments=[{
        "id": p.id, "status": p.status, "purpose": p.purpose, "amount_cents": p.amount_cents,
        "refunded_cents": p.refunded_cents, "created_at": p.created_at.isoformat(),
        "paid_at": p.paid_at.isoformat() if p.paid_at else None,
        "client": {"id": p.client.id, "name": p.client.name} if p.client else None,
        "invoice": {"id": p.invoice.id, "month": p.invoice.month.isoformat()[:7], "sequence": p.invoice.sequence}
        if p.invoice else None,
    } for p in payments.recent_payments(current_user)])
