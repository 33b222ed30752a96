"""Who is told what about a booking (issue 12, item 7): the family who books and the provider's
people. Texts name the extra, the resident's first name and the moment, never health detail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from care.models import Client, FamilyContact
from marketplace.accounts.models import User
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from marketplace.core.money import format_euro
from teams.models import TeamMembership

from .models import Booking

register_kind("booking_confirmed", _l("The booking of %(extra)s for %(client)s on %(when)s is paid and confirmed."))
register_kind("booking_new", _l("New booking: %(extra)s for %(client)s on %(when)s."))
register_kind("booking_requested", _l("%(client)s asks for %(extra)s on %(when)s: confirm or decline."))
register_kind("booking_request_confirmed", _l("%(provider)s can come for %(extra)s on %(when)s for %(client)s. "
                                              "Pay to confirm the booking."))
register_kind("booking_request_declined", _l("%(provider)s cannot come for %(extra)s on %(when)s: %(reason)s"))
register_kind("booking_cancelled_by_family", _l("The booking of %(extra)s for %(client)s on %(when)s is cancelled."))
register_kind("booking_cancelled_by_provider", _l("%(provider)s cancelled %(extra)s on %(when)s for %(client)s: "
                                                  "%(reason)s. You get the whole amount back."))
register_kind("booking_refunded", _l("%(amount)s of the booking of %(extra)s on %(when)s is refunded."))
register_kind("booking_late_payment_refunded", _l("Your payment for %(extra)s on %(when)s came in after the "
                                                  "reserved time and the place was taken: %(amount)s is refunded "
                                                  "in full."))
register_kind("booking_reminder", _l("Tomorrow: %(extra)s for %(client)s at %(time)s."))


def first_name(client: Client) -> str:
    return (client.name or "").split(" ")[0]


def family_of(client: Client) -> list[User]:
    """The resident's family contacts (any right) and the resident's own login."""
    users = list(db.session.scalars(select(User).join(FamilyContact, FamilyContact.user_id == User.id)
                                    .where(FamilyContact.client_id == client.id).order_by(User.id)))
    if client.user_id is not None:
        users.append(db.session.get(User, client.user_id))
    return users


def provider_people(booking: Booking) -> list[User]:
    """The members of the provider's team today, or the freelancer who is the provider."""
    if booking.provider.freelancer is not None:
        return [booking.provider.freelancer.user]
    team_id = booking.provider.team_id
    if team_id is None:
        return []
    today = local_today()
    return list(db.session.scalars(select(User).join(TeamMembership, TeamMembership.user_id == User.id).where(
        TeamMembership.team_id == team_id,
        or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= today),
        or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on > today)).order_by(User.id)))


def _params(booking: Booking, **more) -> dict:
    when = booking.starts_at.astimezone(LOCAL_ZONE)
    return {"extra": booking.extra.title, "client": first_name(booking.client), "provider": booking.provider.name,
            "when": when.strftime("%d-%m-%Y %H:%M"), "time": when.strftime("%H:%M"), **more}


def family_link(booking: Booking) -> str:
    return f"/bookings/{booking.id}"


def provider_link(booking: Booking) -> str:
    day = booking.starts_at.astimezone(LOCAL_ZONE).date().isoformat()
    return f"/providers/{booking.provider_id}/day?date={day}"


def confirmed(booking: Booking) -> None:
    notify(family_of(booking.client), "booking_confirmed", link=family_link(booking), params=_params(booking))
    notify(provider_people(booking), "booking_new", link=provider_link(booking), params=_params(booking))


def requested(booking: Booking) -> None:
    notify(provider_people(booking), "booking_requested", link=provider_link(booking), params=_params(booking))


def answered(booking: Booking, accepted: bool) -> None:
    kind = "booking_request_confirmed" if accepted else "booking_request_declined"
    notify(family_of(booking.client), kind, link=family_link(booking),
           params=_params(booking, reason=booking.cancel_reason))


def cancelled(booking: Booking) -> None:
    if booking.cancelled_by == "provider":
        notify(family_of(booking.client), "booking_cancelled_by_provider", link=family_link(booking),
               params=_params(booking, reason=booking.cancel_reason))
    else:
        notify(provider_people(booking), "booking_cancelled_by_family", link=provider_link(booking),
               params=_params(booking))


def refunded(booking: Booking, amount_cents: int) -> None:
    notify(family_of(booking.client), "booking_refunded", link=family_link(booking),
           params=_params(booking, amount=format_euro(amount_cents)))


def late_payment_refunded(booking: Booking) -> None:
    notify(family_of(booking.client), "booking_late_payment_refunded", link=family_link(booking),
           params=_params(booking, amount=format_euro(booking.price_cents)))


def reminded(booking: Booking) -> None:
    notify([*family_of(booking.client), *provider_people(booking)], "booking_reminder",
           link=family_link(booking), params=_params(booking))
