"""What the family sees of its bookings: the list of a resident's bookings, one booking's state in
words, and the refund a cancellation would give now (shown before it is confirmed).

The use cases that change a booking are in :mod:`.bookings`; this module only reads, and parses
the moment a family chose (``start``) strictly at the edge.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.models import Payment
from care.models import Client
from marketplace.core.db_types import utcnow
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, can

from . import bookings
from .extras_domain import BookingStatus, CancellationPolicy, Canceller, effective_status, refund_on_cancel
from .models import Booking, Provider

# ISO 8601 with a time zone: 2026-12-07T10:00+01:00, seconds optional, Z for UTC. ASCII digits only.
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?P<zone>Z|[+-]\d{2}:\d{2})?", re.ASCII)
MAX_MOMENT_LENGTH = 40


def parse_start(text: object, field: str = "start") -> datetime:
    """The moment a family chose: ISO 8601 with its offset, whitespace around it ignored.

    :raises InvalidInput: not a text, not ISO 8601 (other digits than ASCII, a date only, a
        typo), or a naive time (its meaning would depend on the server's clock).
    """
    if not isinstance(text, str) or len(text) > MAX_MOMENT_LENGTH:
        raise InvalidInput(field, _l("Choose one of the moments shown."))
    text = text.strip()
    match = _MOMENT.fullmatch(text)
    if match is None:
        raise InvalidInput(field, _l("Give the moment as 2026-12-07T10:00:00+01:00 (date, time and time zone)."))
    if match.group("zone") is None:
        raise InvalidInput(field, _l("Give the moment with its time zone, such as 2026-12-07T10:00:00+01:00."))
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(field, _l("This date or time does not exist.")) from None


def status_of(booking: Booking, now: datetime | None = None) -> str:
    """The status as the family sees it now (a pending payment whose hold lapsed is expired)."""
    return effective_status(booking.status, booking.hold_expires_at, now or utcnow())


def payable(booking: Booking, now: datetime | None = None) -> bool:
    return status_of(booking, now) == BookingStatus.PENDING_PAYMENT.value


def cancellable(booking: Booking, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return status_of(booking, now) in bookings.CANCELLABLE and booking.starts_at > now


def refund_if_cancelled(booking: Booking, now: datetime | None = None,
                        policy: CancellationPolicy | None = None) -> int:
    """What the family gets back if it cancels now, by the organisation's policy (0 when unpaid).
    Give the ``policy`` for a list: looking it up costs a query."""
    if booking.payment_id is None:
        return 0
    policy = policy or bookings.policy_of(bookings.settings_of(booking.organisation_id))
    return refund_on_cancel(booking.price_cents, booking.starts_at, now or utcnow(), Canceller.FAMILY, policy)


def refund_state(booking: Booking, payment: Payment | None) -> str | None:
    """``pending`` while what the booking gives back is on its way, ``refunded`` once the
    provider's event booked it all; None when nothing is to be given back. ``payment`` is the
    booking's (:func:`payments_of`)."""
    if payment is None:
        return None
    if booking.refund_reason == "slot_taken":  # paid after the hold lapsed and the seat was gone
        owed, given = payment.amount_cents, payment.refunded_cents
    elif booking.refund_cents and booking.payment_id == payment.id:
        owed, given = booking.refund_cents, payment.refunded_cents - payment.overpaid_cents
    else:
        return None
    return "refunded" if given >= owed else "pending"


def payments_of(rows: list[Booking]) -> dict[int, Payment]:
    """Per booking, the payment that paid it, else its newest checkout. One query."""
    if not rows:
        return {}
    found: dict[int, Payment] = {}
    paid_by = {row.payment_id: row.id for row in rows if row.payment_id is not None}
    for payment in db.session.scalars(select(Payment).where(
            Payment.purpose == bookings.EXTRA_BOOKING, Payment.reference_id.in_([row.id for row in rows]))
            .order_by(Payment.id)):
        if paid_by.get(payment.id) == payment.reference_id or payment.reference_id not in paid_by.values():
            found[payment.reference_id] = payment
    return found


@dataclass(frozen=True)
class ClientBookings:
    upcoming: list[Booking]
    past: list[Booking]
    payments: dict[int, Payment]


def bookings_of(actor, client: Client, now: datetime | None = None) -> ClientBookings:
    """The resident's bookings the actor may see: upcoming (soonest first) and past (latest first).
    The caller has checked the actor may see the resident. A constant number of queries."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Booking).where(Booking.client_id == client.id, Booking.organisation_id == client.organisation_id)
        .options(selectinload(Booking.extra), selectinload(Booking.provider).selectinload(Provider.team),
                 selectinload(Booking.client))
        .order_by(Booking.starts_at, Booking.id)).all()
    visible = [row for row in rows if can(actor, Perm.BOOKING_VIEW, row)]
    upcoming = [row for row in visible if row.ends_at > now]
    past = [row for row in reversed(visible) if row.ends_at <= now]
    return ClientBookings(upcoming, past, payments_of(visible))
