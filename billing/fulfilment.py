"""What a payment is for: a registry of payment purposes, filled at start-up.

Billing takes payments for anything: a co-payment invoice (``copay_invoice``, registered by
billing itself) or, from the market, an extra booking (``extra_booking``). Each purpose says
what may be paid and how much, which ledger transfers a confirmed payment or a refund books,
and what changes when it is paid, refunded or cancelled. Billing calls the purpose through
this registry, so it never imports the package that registered it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.errors import InvalidInput

from .domain import Transfer
from .models import Payment


@dataclass(frozen=True)
class Order:
    """What a purpose asks the payer to pay: checked, and locked until the payment is reserved."""

    organisation_id: int
    client_id: int
    reference_id: int
    amount_cents: int
    description: str
    metadata: dict[str, str]
    invoice_id: int | None = None
    expires_at: int | None = None  # when the checkout must lapse (Unix seconds), e.g. with a booking's hold
    # A destination charge (Stripe Connect): the connected account paid, less this application fee.
    destination: str | None = None
    application_fee_cents: int | None = None


class Purpose(Protocol):
    name: str

    def order(self, actor, reference_id: int) -> Order:
        """Authorize, lock what is paid for and check it is payable, in the caller's transaction
        (billing commits it together with the reserved payment)."""

    def due_cents(self, payment: Payment) -> int:
        """What ``payment`` may still settle, not counting itself; locks what is paid for, so two
        payments confirmed at the same moment cannot both settle it."""

    def paid_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        """The transfers that settle ``amount_cents`` (at most what was due) of a confirmed payment."""

    def refund_transfers(self, payment: Payment, amount_cents: int) -> list[Transfer]:
        """The transfers back of a refund of what the payment settled."""

    def changed(self, payment: Payment) -> None:
        """The payment was paid, refunded or cancelled (in the webhook's transaction; flushes only)."""

    # Optional: ``return_url(actor, payment) -> str``, the page the payer comes back to after the
    # checkout (it authorizes the actor itself); without it, billing's own payment page.
    # Optional: ``describe(payments) -> {payment_id: str}``, what each payment paid for, in words, for
    # the resident's monthly statement (without it, the purpose's name).



class UnknownPurpose(InvalidInput):
    """No purpose of this name is registered: such a payment is refused."""

    def __init__(self, name: object):
        super().__init__("purpose", _l("Payments for this purpose are not possible."), code="unknown_purpose")
        self.name = name


def register(app: Flask, purpose: Purpose) -> None:
    """Register ``purpose`` with this app (at start-up). :raises ValueError: the name is taken."""
    purposes = app.extensions.setdefault("payment_purposes", {})
    if purpose.name in purposes:
        raise ValueError(f"payment purpose {purpose.name!r} is registered twice")
    purposes[purpose.name] = purpose


def purpose_of(name: str) -> Purpose:
    """:raises UnknownPurpose:"""
    purpose = current_app.extensions.get("payment_purposes", {}).get(name) if isinstance(name, str) else None
    if purpose is None:
        raise UnknownPurpose(name)
    return purpose
