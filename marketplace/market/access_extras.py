"""Who may browse, offer, book, see, cancel, deliver and rate extras (issue 12).

Targets: an ``Extra`` or ``Provider`` for browsing and offering, a ``Client`` for booking, a
``Booking`` for the rest. A provider's own people are the members of its team, or the freelancer
whose business it is; the family side is the resident's family contacts and the resident.
Staff never book or rate for a resident, even when they are also someone's family contact.
"""
from __future__ import annotations

from care.access import has_right, is_own_client, relations
from marketplace.core.policy import Perm, rule
from marketplace.core.roles import TEAM_ROLES, Role

from .access_offers import STAFF


def own_freelancer(user, provider) -> bool:
    """The provider is this freelancer's own business."""
    return (provider is not None and provider.freelancer_id is not None and user.has_role(Role.FREELANCER)
            and provider.freelancer is not None and provider.freelancer.user_id == user.id)


def provider_member(user, provider) -> bool:
    """Works for the provider: a member of its team today, or the freelancer it is."""
    if provider is None:
        return False
    if provider.team_id is None:
        return own_freelancer(user, provider)
    return user.has_role(*TEAM_ROLES) and provider.team_id in relations(user).team_ids


def provider_lead(user, provider) -> bool:
    """Runs the provider: the lead of its team, or the freelancer it is."""
    if provider is None:
        return False
    if provider.team_id is None:
        return own_freelancer(user, provider)
    return user.has_role(Role.TEAM_LEAD) and provider.team_id in relations(user).team_ids


def _family_of(user, client) -> bool:
    return not user.has_role(*STAFF) and (bool(relations(user).contact_rights.get(client.id))
                                          or is_own_client(user, client))


@rule(Perm.EXTRA_VIEW)
def extra_view(user, _target) -> bool:
    """The market is for the families who decide, the residents, and the organisation's staff."""
    rel = relations(user)
    return (user.has_role(Role.ADMIN, Role.BOARD, Role.CLIENT_SUPPORTER, Role.FREELANCER, *TEAM_ROLES)
            or (user.has_role(Role.FAMILY) and any("decide" in rights for rights in rel.contact_rights.values()))
            or (user.has_role(Role.RESIDENT) and rel.own_client_id is not None))


@rule(Perm.EXTRA_EDIT)
@rule(Perm.EXTRA_REVENUE)
def extra_edit(user, provider) -> bool:
    """A provider's extras and revenue: the lead of its team."""
    return provider_lead(user, provider)


@rule(Perm.BOOKING_MAKE)
def booking_make(user, client) -> bool:
    """Book and pay for a resident: a family contact with *decide*, or the resident; never staff."""
    return not user.has_role(*STAFF) and (has_right(user, client, "decide") or is_own_client(user, client))


@rule(Perm.BOOKING_VIEW)
def booking_view(user, booking) -> bool:
    return (user.has_role(Role.ADMIN) or provider_member(user, booking.provider)
            or _family_of(user, booking.client))


@rule(Perm.BOOKING_CANCEL)
def booking_cancel(user, booking) -> bool:
    """The family side cancels with *decide* (or the resident)."""
    return booking_make(user, booking.client)


@rule(Perm.BOOKING_PROVIDE)
def booking_provide(user, provider) -> bool:
    """The provider's day: its bookings, delivered or not, its own cancellations and answers."""
    return provider_member(user, provider)


@rule(Perm.BOOKING_RATE)
def booking_rate(user, booking) -> bool:
    """Any family contact of the resident, or the resident; staff never rate."""
    return _family_of(user, booking.client)
