"""OpenAPI paths of a freelancer's earnings and payouts (issue 13, item 6)."""
from __future__ import annotations

from marketplace.core.openapi import ok, op, ref

MONTH = {"name": "month", "in": "query", "required": False, "description": "YYYY-MM; this month when left out",
         "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
CENTS = {"type": "integer"}
SHARES = {"month": {"type": "string"}, "gross_cents": CENTS, "organisation_fee_cents": CENTS,
          "home_team_cents": CENTS, "earnings_cents": CENTS}

SCHEMAS = {
    "FreelancerEarnings": {"type": "object", "properties": {**SHARES, "lines": {"type": "array", "items": {
        "type": "object", "properties": {
            "booking_id": {"type": "integer"}, "date": {"type": "string", "format": "date"},
            "extra": {"type": "string"}, "kind": {"type": "string", "enum": ["payment", "refund"]},
            "gross_cents": CENTS, "organisation_fee_cents": CENTS, "home_team_cents": CENTS,
            "earnings_cents": CENTS}}}}},
    "Payouts": {"type": "object", "properties": {"payouts": {"type": "array", "items": {
        "type": "object", "properties": {
            "id": {"type": "string"}, "amount_cents": CENTS, "currency": {"type": "string"},
            "status": {"type": "string", "enum": ["paid", "failed"]},
            "arrival_date": {"type": ["string", "null"], "format": "date"},
            "failure_message": {"type": ["string", "null"]}}}}}},
}


def paths() -> dict:
    return {
        "/freelancers/me/earnings": {"get": op(
            "The logged-in freelancer's month: every payment and refund of their extras with the organisation's "
            "fee, the home team's share and their earnings, and the totals",
            {"200": ok("The month", ref("FreelancerEarnings"))}, params=[MONTH], tag="market")},
        "/freelancers/me/payouts": {"get": op(
            "The payouts Stripe reported for the logged-in freelancer, newest first",
            {"200": ok("The payouts", ref("Payouts"))}, tag="market")},
    }
