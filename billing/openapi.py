"""OpenAPI paths of the API for invoices, payments, statements and the administrator's money tasks; assembled by marketplace.web.openapi."""
from __future__ import annotations

from marketplace.core.openapi import id_param, ok, op

SCHEMAS = {
}


def paths() -> dict:
    return {
        "/clients/{client_id}/invoices": {"get": op(
            "Co-payment invoices (number, dates, status) with their weeks, and the months with a statement",
            {"200": ok("Invoices")}, params=[id_param("client_id")], tag="money")},
        "/clients/{client_id}/invoices/{invoice_id}": {"get": op(
            "One co-payment invoice of the resident (another resident's is not found)", {"200": ok("Invoice")},
            params=[id_param("client_id"), id_param("invoice_id")], tag="money")},
        "/clients/{client_id}/budget/history": {"get": op(
            "The resident's settled weeks of the last months: budget, package cost, co-payment, savings "
            "balance after the week, package versions that started", {"200": ok("Weeks")},
            params=[id_param("client_id")], tag="money")},
        "/invoices/{invoice_id}/pay": {"post": op(
            "Start paying an invoice: returns the checkout URL; it is paid when the provider's signed event "
            "arrives", {"201": ok("Checkout")}, params=[id_param("invoice_id")], tag="money")},
        "/clients/{client_id}/statements/{month}": {"get": op(
            "A resident's month from the ledger, with the extras paid in the month and what of them was refunded",
            {"200": ok("Statement")},
            params=[id_param("client_id"), {"name": "month", "in": "path", "required": True,
                                             "schema": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"}}],
            tag="money")},
        "/admin/settlements": {"post": op(
            "Settle a week (idempotent)", {"200": ok("Run")},
            body={"type": "object", "required": ["week"], "properties": {
                "week": {"type": "string", "pattern": "^\\d{4}-W\\d{2}$"}}}, tag="money")},
        "/admin/invoices": {"post": op(
            "Make a month's co-payment invoices (idempotent)", {"201": ok("Invoices")},
            body={"type": "object", "required": ["month"], "properties": {"month": {"type": "string"}}},
            tag="money")},
        "/admin/ledger/verify": {"get": op("Check the ledger's invariants", {"200": ok("Breaches")},
                                           tag="money")},
        "/admin/payments": {"get": op("The latest 50 payments with resident, invoice and date",
                                      {"200": ok("Payments")}, tag="money")},
    }
