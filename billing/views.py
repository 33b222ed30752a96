"""Pages for co-payment invoices and payments, the demo checkout, the webhook endpoint,
statements, and the administrator's billing tasks."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from care import clients
from marketplace.core.calendar import InvalidMonth, InvalidWeek
from marketplace.core.charts import DASHED_SQUARE, DOTTED_TRIANGLE, SOLID_CIRCLE, swatch
from marketplace.core.db_types import local_today
from marketplace.core.errors import DomainError, NotInScope
from marketplace.core.extensions import csrf
from marketplace.core.forms import EmptyForm
from marketplace.core.money import InvalidAmount, parse_euro
from marketplace.core.policy import Perm, authorize, can, get_in_scope, load
from teams.models import Team

from . import history, invoices, payments, settlement, statements, webhooks
from .fulfilment import purpose_of
from .gateway import GatewayError, event_payload, is_demo, sign
from .ledger import verify
from .models import CopayInvoice, Payment, PaymentStatus

bp = Blueprint("billing", __name__)


@bp.post("/billing/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    """Named in the README for the Stripe dashboard. Answers quickly; books through services."""
    return _webhook(webhooks.PLATFORM)


@bp.post("/billing/webhooks/stripe-connect")
@csrf.exempt
def stripe_connect_webhook():
    """The Connect endpoint (events of connected accounts), with its own signing secret."""
    return _webhook(webhooks.CONNECT)


def _webhook(endpoint: str):
    try:
        outcome = webhooks.handle(request.get_data(), request.headers.get("Stripe-Signature"), endpoint=endpoint)
    except webhooks.BadSignature:
        return jsonify(error={"code": "bad_signature", "message": "signature verification failed"}), 400
    except webhooks.MalformedEvent:
        return jsonify(error={"code": "malformed_event", "message": "event not shaped as expected"}), 400
    except (payments.RefundTooLarge, payments.PaymentMismatch) as exc:
        current_app.logger.warning("webhook refused: %s", exc)
        return jsonify(error={"code": "refused", "message": str(exc)}), 400
    except DomainError as exc:  # e.g. a payment of a purpose this installation does not know
        current_app.logger.warning("webhook refused: %s", exc)
        return jsonify(error={"code": exc.code, "message": str(exc.message)}), exc.status
    return jsonify(status=outcome.status)


@bp.route("/clients/<int:client_id>/invoices", endpoint="invoices")
@login_required
def list_invoices(client_id: int):
    client = clients.get_client(current_user, client_id)
    rows = invoices.invoices_of(current_user, client)
    return render_template("billing/invoices.html", client=client, invoices=rows, today=local_today(),
                           months=statements.statement_months(current_user, client),
                           form=EmptyForm(), can_pay=_can_pay(client))


@bp.route("/clients/<int:client_id>/invoices/<int:invoice_id>", endpoint="invoice")
@login_required
def show_invoice(client_id: int, invoice_id: int):
    """One invoice as a printable page."""
    client = clients.get_client(current_user, client_id)
    invoice = invoices.invoice_of(current_user, client, invoice_id)
    return render_template("billing/invoice.html", client=client, invoice=invoice, today=local_today(),
                           weeks=invoices.invoice_weeks(invoice), form=EmptyForm(), can_pay=_can_pay(client))


def _can_pay(client) -> bool:
    return can(current_user, Perm.PAYMENT_MAKE, client)


@bp.route("/clients/<int:client_id>/invoices/<int:invoice_id>/pay", methods=["POST"])
@login_required
def pay_invoice(client_id: int, invoice_id: int):
    client = clients.get_client(current_user, client_id)
    invoice = load(CopayInvoice, invoice_id)
    if invoice is None or invoice.client_id != client.id:
        raise NotInScope()
    authorize(current_user, Perm.PAYMENT_MAKE, client)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        payment = invoices.pay_invoice(current_user, invoice)
    except invoices.InvoiceNotPayable:
        flash(_("This invoice is paid already."), "info")
        return redirect(url_for(".invoices", client_id=client.id))
    except payments.PaymentInProgress:
        flash(_("A payment for this invoice is being opened. Try again in a moment."), "info")
        return redirect(url_for(".invoices", client_id=client.id))
    except GatewayError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".invoices", client_id=client.id))
    return redirect(payment.checkout_url, code=303)


@bp.route("/billing/payments/<int:payment_id>")
@login_required
def payment_return(payment_id: int):
    """Where the checkout sends the payer back. It shows the state; it never marks anything paid."""
    payment = load(Payment, payment_id)
    if payment is None:
        raise NotInScope()
    client = clients.get_client(current_user, payment.client_id)
    return_url = getattr(purpose_of(payment.purpose), "return_url", None)
    if return_url is not None:
        return redirect(return_url(current_user, payment))  # the purpose's own page says what happened
    authorize(current_user, Perm.PAYMENT_VIEW, client)
    return render_template("billing/payment_return.html", payment=payment, client=client)


@bp.route("/billing/demo-checkout/<session_id>", methods=["GET", "POST"])
@login_required
def demo_checkout(session_id: str):
    """The offline checkout: Pay sends a signed event through the real webhook handling."""
    if not is_demo():
        abort(404)
    payment = payments.payment_for_session(session_id)
    if payment is None:
        raise NotInScope()
    client = clients.get_client(current_user, payment.client_id)
    authorize(current_user, Perm.PAYMENT_MAKE, client)
    form = EmptyForm()
    if payment.status != PaymentStatus.PENDING.value:
        # A cancelled or expired checkout cannot be paid, as at Stripe; a paid one not again.
        flash(_("This checkout is closed. Start the payment again from the invoice."), "warning")
        return redirect(url_for(".payment_return", payment_id=payment.id))
    if form.validate_on_submit():
        paid = request.form.get("action") == "pay"
        obj = {"id": session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
               "currency": "eur", "payment_intent": f"pi_demo_{payment.id}",
               "payment_status": "paid" if paid else "unpaid", "metadata": {"payment_id": str(payment.id)}}
        body = event_payload("checkout.session.completed" if paid else "checkout.session.expired", obj)
        webhooks.handle(body.encode(), sign(body, current_app.config["STRIPE_WEBHOOK_SECRET"]))
        return redirect(url_for(".payment_return", payment_id=payment.id))
    return render_template("billing/demo_checkout.html", payment=payment, client=client, form=form)


# -- statements ----------------------------------------------------------------------------

def _month(value: str) -> date:
    try:
        return invoices.parse_month(value)
    except InvalidMonth:
        raise NotInScope()


@bp.route("/clients/<int:client_id>/statements/<month>")
@login_required
def client_statement(client_id: int, month: str):
    client = clients.get_client(current_user, client_id)
    data = statements.client_month(current_user, client, _month(month))
    if request.args.get("format") == "csv":
        return Response(statements.client_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=overzicht-{client.id}-{data.month.isoformat()[:7]}.csv"})
    return render_template("billing/client_statement.html", client=client, s=data)


@bp.route("/clients/<int:client_id>/budget/history", endpoint="budget_history")
@login_required
def budget_history(client_id: int):
    """The family's budget over time: a chart and the same numbers as a table."""
    client = clients.get_client(current_user, client_id)
    rows = history.budget_history(current_user, client)
    chart = history.history_chart(client, rows) if rows else None
    return render_template("billing/budget_history.html", client=client, rows=rows, chart=chart,
                           swatches={"cost": swatch(SOLID_CIRCLE), "budget": swatch(DASHED_SQUARE),
                                     "savings": swatch(DOTTED_TRIANGLE)})


@bp.route("/teams/<int:team_id>/statement")
@login_required
def team_statement(team_id: int):
    team = get_in_scope(current_user, Team, team_id, Perm.TEAM_STATEMENT)
    today = local_today()
    try:
        start = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        flash(_("Enter valid dates."), "error")
        start, end = today.replace(day=1), today
    data = statements.team_period(current_user, team, start, end)
    if request.args.get("format") == "csv":
        return Response(statements.team_csv(data), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=team-{team.id}-{start}-{end}.csv"})
    return render_template("billing/team_statement.html", team=team, s=data)


# -- the administrator's tasks -------------------------------------------------------------

@bp.route("/admin/billing", methods=["GET"])
@login_required
def admin():
    authorize(current_user, Perm.BILLING_ADMIN)
    return render_template("billing/admin.html", form=EmptyForm(), week=settlement.previous_week(local_today()),
                           month=local_today().replace(day=1).isoformat()[:7], breaches=verify(current_user.organisation_id),
                           payments=payments.recent_payments(current_user))


@bp.route("/admin/billing/settle", methods=["POST"])
@login_required
def admin_settle():
    authorize(current_user, Perm.BILLING_ADMIN)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        run = settlement.settle_week(request.form.get("week", ""), current_user,
                                     organisation_id=current_user.organisation_id)
    except InvalidWeek:
        flash(_("Write the week like 2026-W48."), "error")
    except settlement.WeekNotOver as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Week %(week)s: %(n)d residents settled, %(m)d were settled before.", week=run.week,
                n=run.settled, m=run.already), "success")
    return redirect(url_for(".admin"))


@bp.route("/admin/billing/invoices", methods=["POST"])
@login_required
def admin_invoices():
    authorize(current_user, Perm.BILLING_ADMIN)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        month = _month(request.form.get("month", ""))
    except NotInScope:
        flash(_("Write the month like 2026-11."), "error")
        return redirect(url_for(".admin"))
    created = invoices.create_invoices(month, current_user, organisation_id=current_user.organisation_id)
    flash(_("%(n)d invoices made.", n=len(created)), "success")
    return redirect(url_for(".admin"))


@bp.route("/admin/billing/payments/<int:payment_id>/refund", methods=["POST"])
@login_required
def admin_refund(payment_id: int):
    payment = get_in_scope(current_user, Payment, payment_id, Perm.PAYMENT_REFUND)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        amount = parse_euro(request.form.get("amount", ""))
        refund_id = payments.request_refund(current_user, payment, amount)
    except InvalidAmount:
        flash(_("Enter an amount in euros, such as 17,90."), "error")
    except payments.RefundTooLarge:
        flash(_("A refund cannot be more than what was paid and not yet refunded."), "error")
    except GatewayError as exc:
        flash(exc.message, "error")
    else:
        if is_demo():
            # Demo: the provider's refund event, signed, through the same webhook handling.
            webhooks.deliver_demo_refund(refund_id, amount, payment.provider_payment_id)
        flash(_("The refund is requested."), "success")
    return redirect(url_for(".admin"))
