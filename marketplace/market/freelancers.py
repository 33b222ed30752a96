"""Freelance carers (issue 13): their profile, the organisation's approval and suspension, their
Stripe Connect onboarding, and the Connect events that keep their account state and payouts.

A freelancer sells extras only once approved and once Stripe lets their account take charges
(``bookings.can_take_bookings``; :func:`bookable_providers` says the same for queries). A
suspension takes their extras off the market and cancels their open bookings with a full
refund, each through ``bookings.cancel`` (the refund is asked for after each commit).

Connect events (``account.updated``, ``payout.paid``, ``payout.failed``) arrive on their own
endpoint (billing.webhooks, endpoint ``connect``). An account's state is the one of its newest
event by Stripe's ``created`` time: an older event arriving later changes nothing, and a repeat
of an event is dropped by its id. Events about an account we do not know are logged and
acknowledged (Stripe would otherwise retry them for days), and change nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload

from billing.gateway import ConnectedAccountRequest, gateway
from billing import webhooks
from billing.webhooks import CONNECT, MalformedEvent
from marketplace.accounts.models import User, UserRole
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import utcnow
from marketplace.core.errors import Conflict, InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize, get_in_scope
from marketplace.core.roles import Role
from teams.models import Team

from . import bookings
from .extras_domain import Canceller
from .models import Booking, Freelancer, Payout, Provider, ProviderKind
from .models.freelancers import FreelancerStatus, PayoutStatus

register_kind("freelancer_submitted", _l("%(name)s asks to be approved as a freelancer."))
register_kind("freelancer_approved", _l("Your freelancer profile is approved. Once Stripe has your details, "
                                        "families can book your extras."))
register_kind("freelancer_account_ready", _l("Stripe can take payments for you now."))
register_kind("freelancer_suspended", _l("Your freelancer profile is suspended: %(reason)s. Your extras are off "
                                         "the market and your open bookings are cancelled and refunded."))

KVK = re.compile(r"[0-9]{8}", re.ASCII)
BIG = re.compile(r"[0-9]{11}", re.ASCII)
MAX_NAME = 200
MAX_BIO = 1000
MAX_REASON = 500
MAX_ITEMS = 20       # skills, languages
MAX_ITEM = 60
MAX_REQUIREMENTS = 100


@dataclass(frozen=True)
class ProfileInput:
    name: str
    kvk_number: str
    big_number: str
    home_team_id: int | None
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    bio: str = ""


def split_list(text: str) -> list[str]:
    """``"wandelen, koken"`` → ``["wandelen", "koken"]`` (a form's comma-separated list)."""
    return [part for part in (text or "").split(",")]


def _items(values: list[str], name: str, errors: dict) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in cleaned:
            cleaned.append(value)
    if len(cleaned) > MAX_ITEMS or any(len(value) > MAX_ITEM for value in cleaned):
        errors[name] = _l("At most %(count)d, each under %(length)d characters.", count=MAX_ITEMS, length=MAX_ITEM)
    return cleaned


def home_teams(organisation_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.organisation_id == organisation_id, Team.active.is_(True))
                                   .order_by(Team.name)))


def _checked(organisation_id: int, data: ProfileInput) -> dict:
    """The profile's columns, or every bad field at once. :raises InvalidInput:"""
    errors: dict = {}
    name = (data.name or "").strip()
    if not name or len(name) > MAX_NAME:
        errors["name"] = _l("Enter your name (at most %(length)d characters).", length=MAX_NAME)
    kvk = (data.kvk_number or "").strip()
    if not KVK.fullmatch(kvk):
        errors["kvk_number"] = _l("A KvK number is 8 digits (0-9), like 12345678.")
    big = (data.big_number or "").strip()
    if big and not BIG.fullmatch(big):
        errors["big_number"] = _l("A BIG number is 11 digits (0-9), like 12345678901; leave it empty if you "
                                  "have none.")
    team = db.session.get(Team, data.home_team_id) if isinstance(data.home_team_id, int) else None
    if team is None or team.organisation_id != organisation_id or not team.active:
        errors["home_team_id"] = _l("Choose your home team.")
    skills = _items(data.skills, "skills", errors)
    languages = _items(data.languages, "languages", errors)
    bio = (data.bio or "").strip()
    if len(bio) > MAX_BIO:
        errors["bio"] = _l("Keep it under %(length)d characters.", length=MAX_BIO)
    if errors:
        first = next(iter(errors))
        raise InvalidInput(first, errors[first], fields=errors)
    return dict(name=name, kvk_number=kvk, big_number=big or None, home_team_id=team.id, skills=skills,
                languages=languages, bio=bio)


def own_profile(actor) -> Freelancer | None:
    """The actor's own profile, or None when they have made none yet. :raises AccessDenied: not a freelancer."""
    authorize(actor, Perm.FREELANCER_PROFILE)
    return db.session.scalar(select(Freelancer).where(Freelancer.user_id == actor.id))


def my_profile(actor) -> Freelancer:
    """:raises NotInScope: no profile yet (a 404)."""
    freelancer = own_profile(actor)
    if freelancer is None:
        raise NotInScope()
    return freelancer


def save_profile(actor, data: ProfileInput) -> Freelancer:
    """Make or change the actor's own profile; a new one waits for the organisation's approval
    (the administrators are told). All or nothing.

    :raises InvalidInput: every bad field (KvK 8 ASCII digits, BIG empty or 11, a home team of
        the organisation, ...); nothing is saved.
    """
    freelancer = own_profile(actor)
    values = _checked(actor.organisation_id, data)
    if freelancer is None:
        freelancer = Freelancer(organisation_id=actor.organisation_id, user_id=actor.id,
                                status=FreelancerStatus.PENDING.value, **values)
        db.session.add(freelancer)
        db.session.flush()
        audit.record(Action.CREATE, actor=actor, obj=freelancer, detail="freelancer profile, waiting for approval")
        notify(_admins(actor.organisation_id), "freelancer_submitted",
               link=url_for("freelancers.profile", freelancer_id=freelancer.id), params={"name": values["name"]})
    else:
        authorize(actor, Perm.FREELANCER_PROFILE, freelancer)
        freelancer = _lock(freelancer.id)
        changed = sorted(name for name, value in values.items() if getattr(freelancer, name) != value)
        if "home_team_id" in changed and _open_bookings(freelancer.id):
            # A booking's shares go to the home team of the freelancer at payment and refund:
            # the team cannot change under a booking that may still be paid or refunded.
            raise HomeTeamBusy()
        for name, value in values.items():
            setattr(freelancer, name, value)
        detail = "changed: " + ", ".join(changed)
        if freelancer.status == FreelancerStatus.APPROVED.value and {"kvk_number", "big_number"} & set(changed):
            # The organisation approved these registrations: new ones wait for its approval again.
            freelancer.status = FreelancerStatus.PENDING.value
            freelancer.status_changed_at, freelancer.status_changed_by_id = utcnow(), actor.id
            detail += "; waiting for approval again"
            notify(_admins(actor.organisation_id), "freelancer_submitted",
                   link=url_for("freelancers.profile", freelancer_id=freelancer.id), params={"name": freelancer.name})
        audit.record(Action.UPDATE, actor=actor, obj=freelancer, detail=detail)
    db.session.commit()
    return freelancer


class HomeTeamBusy(Conflict):
    code = "home_team_busy"

    def __init__(self):
        super().__init__(_l("Your home team cannot change while you have open bookings: their shares go to your "
                            "current home team."), fields={"home_team_id": _l("You have open bookings.")})


def _open_bookings(freelancer_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Booking.id).join(Provider, Provider.id == Booking.provider_id)
        .where(Provider.freelancer_id == freelancer_id, Booking.status.in_(bookings.CANCELLABLE))
        .order_by(Booking.id)))


def _admins(organisation_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(
        User.organisation_id == organisation_id, User.active.is_(True), UserRole.role == Role.ADMIN.value)
        .distinct()))


def get_freelancer(actor, freelancer_id: int, perm: Perm = Perm.FREELANCER_VIEW) -> Freelancer:
    """:raises NotInScope, AccessDenied:"""
    return get_in_scope(actor, Freelancer, freelancer_id, perm)


def _lock(freelancer_id: int) -> Freelancer:
    return db.session.scalar(select(Freelancer).where(Freelancer.id == freelancer_id).with_for_update()
                             .execution_options(populate_existing=True))


def approve(actor, freelancer_id: int, now: datetime | None = None) -> Freelancer:
    """The organisation approves a freelancer (again, after a suspension). Logged; they are told."""
    freelancer = get_freelancer(actor, freelancer_id, Perm.FREELANCER_APPROVE)
    freelancer = _lock(freelancer.id)
    if freelancer.status != FreelancerStatus.APPROVED.value:
        freelancer.status = FreelancerStatus.APPROVED.value
        freelancer.status_reason = ""
        freelancer.status_changed_at = now or utcnow()
        freelancer.status_changed_by_id = actor.id
        audit.record(Action.UPDATE, actor=actor, obj=freelancer, detail="freelancer approved")
        notify([freelancer.user], "freelancer_approved", link=url_for("freelancers.me"))
    db.session.commit()
    return freelancer


@dataclass(frozen=True)
class Suspension:
    freelancer: Freelancer
    cancelled: list[int]          # the bookings cancelled with a full refund
    refunds_pending: list[int]    # of those, the ones whose refund the provider refused for now


def family_reason() -> str:
    """What the families read on their cancelled booking: never the organisation's own reason."""
    return str(_l("The provider can no longer offer this extra. You get the whole amount back."))


def suspend(actor, freelancer_id: int, reason: str, now: datetime | None = None) -> Suspension:
    """Suspend a freelancer with a reason: logged, they are told, their extras leave the market at
    once (``can_take_bookings``), and each open booking is cancelled by the provider with a full
    refund, after the suspension's commit and one commit per booking.

    :raises InvalidInput: no reason, or one too long; nothing changed.
    """
    freelancer = get_freelancer(actor, freelancer_id, Perm.FREELANCER_APPROVE)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("reason", _l("Give the reason (at most %(length)d characters): the freelancer reads "
                                        "it.", length=MAX_REASON))
    freelancer = _lock(freelancer.id)
    freelancer.status = FreelancerStatus.SUSPENDED.value
    freelancer.status_reason = reason
    freelancer.status_changed_at = now or utcnow()
    freelancer.status_changed_by_id = actor.id
    audit.record(Action.UPDATE, actor=actor, obj=freelancer, detail=f"freelancer suspended: {reason}")
    notify([freelancer.user], "freelancer_suspended", link=url_for("freelancers.me"), params={"reason": reason})
    db.session.commit()
    open_ids = _open_bookings(freelancer.id)
    cancelled, pending = [], []
    for booking_id in open_ids:
        try:
            done = bookings.cancel(actor, booking_id, reason=family_reason(), by=Canceller.PROVIDER,
                                   provider_suspended=True, now=now)
        except (bookings.AlreadyCancelled, bookings.BookingClosed):
            db.session.rollback()  # cancelled meanwhile, or a hold that lapsed: nothing to give back
            continue
        cancelled.append(booking_id)
        if done.refund_cents and done.refund_id is None:
            # The provider refused the refund for now: the cancellation stands and
            # ``flask market retry-refunds`` asks again.
            pending.append(booking_id)
    return Suspension(db.session.get(Freelancer, freelancer.id, populate_existing=True), cancelled, pending)


# -- the market: who can be booked -------------------------------------------------------------

def bookable_providers():
    """A condition on ``Provider`` for queries, the same as ``bookings.can_take_bookings``: an
    active team, or an approved freelancer whose Stripe account takes charges."""
    freelancers = select(Freelancer.id).where(Freelancer.status == FreelancerStatus.APPROVED.value,
                                              Freelancer.charges_enabled.is_(True),
                                              Freelancer.stripe_account_id.is_not(None))
    return or_(and_(Provider.kind == ProviderKind.TEAM.value,
                    Provider.team_id.in_(select(Team.id).where(Team.active.is_(True)))),
               and_(Provider.kind == ProviderKind.FREELANCER.value, Provider.freelancer_id.in_(freelancers)))


def bookable_provider_ids(organisation_id: int) -> set[int]:
    return set(db.session.scalars(select(Provider.id).where(Provider.organisation_id == organisation_id,
                                                            bookable_providers())))


def team_freelancers(actor, team: Team) -> list[Freelancer]:
    """The freelancers at home in ``team``. :raises AccessDenied: not its lead nor the administrator."""
    authorize(actor, Perm.TEAM_FREELANCERS, team)
    return list(db.session.scalars(select(Freelancer).where(Freelancer.home_team_id == team.id)
                                   .order_by(Freelancer.name)))


def all_freelancers(actor) -> list[Freelancer]:
    """The organisation's freelancers for the administrator: those waiting for approval first."""
    authorize(actor, Perm.FREELANCER_APPROVE, actor.organisation)
    order = (Freelancer.status != FreelancerStatus.PENDING.value, Freelancer.name)
    return list(db.session.scalars(select(Freelancer).where(Freelancer.organisation_id == actor.organisation_id)
                                   .options(joinedload(Freelancer.home_team)).order_by(*order)))


def may_take_bookings(freelancer: Freelancer) -> bool:
    return (freelancer.status == FreelancerStatus.APPROVED.value and freelancer.charges_enabled
            and bool(freelancer.stripe_account_id))


# -- Stripe Connect onboarding ---------------------------------------------------------------

class NoProfile(Conflict):
    code = "no_profile"

    def __init__(self):
        super().__init__(_l("Make your profile first."))


class NotOnboarded(Conflict):
    code = "not_onboarded"

    def __init__(self):
        super().__init__(_l("Set up your payments with Stripe first."))


def onboarding_link(actor) -> str:
    """The link to Stripe's onboarding of the actor's connected account, made first when there is
    none. Stripe is called with no transaction open; the account is kept once (an idempotency key
    from our id makes a second call give the same account).

    :raises NoProfile: no profile yet. :raises GatewayError: Stripe refused or cannot be reached.
    """
    freelancer = own_profile(actor)
    if freelancer is None:
        raise NoProfile()
    freelancer_id, account_id = freelancer.id, freelancer.stripe_account_id
    request = ConnectedAccountRequest(reference=f"freelancer-{freelancer.id}", email=actor.email,
                                      metadata={"freelancer_id": str(freelancer.id),
                                                "organisation_id": str(freelancer.organisation_id)})
    db.session.rollback()  # no transaction while Stripe is asked
    if account_id is None:
        made = gateway().create_connected_account(request)
        db.session.execute(update(Freelancer).where(Freelancer.id == freelancer_id,
                                                    Freelancer.stripe_account_id.is_(None))
                           .values(stripe_account_id=made).execution_options(synchronize_session=False))
        audit.record(Action.UPDATE, actor=actor, object_type="freelancer", object_id=freelancer_id,
                     organisation_id=actor.organisation_id, detail=f"Stripe account {made}")
        db.session.commit()
        account_id = db.session.scalar(select(Freelancer.stripe_account_id).where(Freelancer.id == freelancer_id))
        db.session.rollback()
    return gateway().create_account_link(account_id,
                                         refresh_url=url_for("freelancers.onboarding_refresh", _external=True),
                                         return_url=url_for("freelancers.me", _external=True))


def dashboard_link(actor) -> str:
    """The freelancer's Stripe Express dashboard. :raises NotOnboarded: no Stripe account yet."""
    freelancer = own_profile(actor)
    if freelancer is None:
        raise NoProfile()
    if not freelancer.stripe_account_id:
        raise NotOnboarded()
    account_id = freelancer.stripe_account_id
    db.session.rollback()
    return gateway().create_login_link(account_id)


# What Stripe may still need, in words (the first part of each requirement's name).
REQUIREMENT_WORDS = {
    "external_account": _l("a bank account for the payouts"),
    "tos_acceptance": _l("your acceptance of Stripe's terms"),
    "individual.verification": _l("a proof of identity"),
    "individual.dob": _l("your date of birth"),
    "individual.address": _l("your address"),
    "individual.first_name": _l("your name"),
    "individual.last_name": _l("your name"),
    "individual.phone": _l("your phone number"),
    "individual.email": _l("your e-mail address"),
    "individual.id_number": _l("your citizen service number (BSN)"),
    "business_profile": _l("what your business does"),
    "business_type": _l("the kind of business"),
    "company": _l("your company's details"),
    "settings.payments": _l("how your business appears on statements"),
}


def requirements_in_words(codes: list[str]) -> list[str]:
    words: list[str] = []
    for code in codes or []:
        text = next((str(label) for prefix, label in REQUIREMENT_WORDS.items()
                     if code == prefix or code.startswith(prefix + ".")), None)
        text = text or str(_l("other details (%(code)s)", code=code))
        if text not in words:
            words.append(text)
    return words


# -- Connect events ----------------------------------------------------------------------------

def _created(event: dict) -> int:
    created = event.get("created")
    if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created <= 2**63 - 1:
        raise MalformedEvent("created is not a time")
    return created


def _requirements(obj: dict) -> list[str]:
    requirements = obj.get("requirements")
    if requirements is None:
        return []
    if not isinstance(requirements, dict):
        raise MalformedEvent("requirements")
    due: list[str] = []
    for name in ("past_due", "currently_due"):
        codes = requirements.get(name) or []
        if not isinstance(codes, list) or not all(isinstance(code, str) and 0 < len(code) <= 255 for code in codes):
            raise MalformedEvent(f"requirements.{name}")
        due.extend(code for code in codes if code not in due)
    return due[:MAX_REQUIREMENTS]


def _flag(obj: dict, name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise MalformedEvent(f"{name} is not true or false")
    return value


def on_account_updated(event: dict) -> bool:
    """Apply a connected account's state when this event is newer (by ``created``) than the one
    applied last; the same ``created`` is applied as well (Stripe's times are whole seconds, and
    the later arrival is the better guess). An unknown account: logged, acknowledged, nothing changed."""
    obj = event["data"]["object"]
    created = _created(event)
    values = dict(charges_enabled=_flag(obj, "charges_enabled"), payouts_enabled=_flag(obj, "payouts_enabled"),
                  requirements_due=_requirements(obj), account_event_created=created)
    known = db.session.execute(select(Freelancer.id, Freelancer.charges_enabled)
                               .where(Freelancer.stripe_account_id == obj["id"])).first()
    if known is None:
        current_app.logger.warning("account.updated %s for an unknown account %s: ignored", event["id"], obj["id"])
        return True
    freelancer_id, could_charge = known
    applied = db.session.execute(
        update(Freelancer).where(Freelancer.id == freelancer_id,
                                 or_(Freelancer.account_event_created.is_(None),
                                     Freelancer.account_event_created <= created))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if not applied:
        current_app.logger.info("account.updated %s is older than the state of %s: kept the newer", event["id"],
                                obj["id"])
    elif values["charges_enabled"] and not could_charge:
        freelancer = db.session.get(Freelancer, freelancer_id, populate_existing=True)
        notify([freelancer.user], "freelancer_account_ready",
               link=url_for("freelancers.me") if has_request_context() else None)
    return True


PAYOUT_EVENTS = {"payout.paid": PayoutStatus.PAID.value, "payout.failed": PayoutStatus.FAILED.value}


def on_payout(event: dict) -> bool:
    """Keep a payout to a connected account as its newest event says (by ``created``). The event's
    ``account`` names the freelancer's account; an unknown one is logged, acknowledged, and changes nothing."""
    obj = event["data"]["object"]
    created = _created(event)
    account = event.get("account")
    amount = obj.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 2**63 - 1:
        raise MalformedEvent("amount is not in cents")
    arrival = obj.get("arrival_date")
    if arrival is not None and (isinstance(arrival, bool) or not isinstance(arrival, int)
                                or not 0 <= arrival <= 253402300799):
        raise MalformedEvent("arrival_date is not a time")
    freelancer = (db.session.scalar(select(Freelancer).where(Freelancer.stripe_account_id == account))
                  if isinstance(account, str) else None)
    if freelancer is None:
        current_app.logger.warning("%s %s for an unknown account %r: ignored", event["type"], event["id"], account)
        return True
    values = dict(amount_cents=amount, currency=str(obj.get("currency") or "eur")[:3],
                  status=PAYOUT_EVENTS[event["type"]],
                  arrival_date=None if arrival is None else datetime.fromtimestamp(arrival, timezone.utc).date(),
                  failure_message=str(obj.get("failure_message") or "")[:500], event_created=created,
                  updated_at=utcnow())
    payout = db.session.scalar(select(Payout).where(Payout.stripe_payout_id == obj["id"]))
    if payout is None:
        db.session.add(Payout(organisation_id=freelancer.organisation_id, freelancer_id=freelancer.id,
                              stripe_payout_id=obj["id"], **values))
    elif payout.freelancer_id != freelancer.id:
        current_app.logger.warning("%s %s names payout %s of another account: ignored", event["type"], event["id"],
                                   obj["id"])
    elif payout.event_created <= created:
        for name, value in values.items():
            setattr(payout, name, value)
    return True


def subscribe_connect_events(app) -> None:
    webhooks.subscribe(app, "account.updated", on_account_updated, replayed=False, endpoint=CONNECT,
                       whole_event=True)
    for event_type in PAYOUT_EVENTS:
        # A payout may fail after it was reported paid: its events are news, not replays.
        webhooks.subscribe(app, event_type, on_payout, replayed=False, endpoint=CONNECT, whole_event=True)


def payouts_of(freelancer: Freelancer, limit: int = 100) -> list[Payout]:
    """The payouts Stripe reported, newest first (those without an arrival date last)."""
    return list(db.session.scalars(select(Payout).where(Payout.freelancer_id == freelancer.id)
                                   .order_by(Payout.arrival_date.desc().nulls_last(), Payout.id.desc()).limit(limit)))
