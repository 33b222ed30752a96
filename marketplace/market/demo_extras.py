"""Demo data of extras (issue 12, item 10): each team offers 3–5 extras, timed and on request,
with seats and a weekly availability, offered by its lead through ``extras.create_extra``.
Families booked some through ``bookings.book`` and paid them by a signed event through
``billing.webhooks.handle``, as the demo checkout does; some were delivered and rated, one was
cancelled in time and refunded, one waits for the provider's answer.

Runs after the demo's organisations are committed (booking commits, and a refund is asked after
the commit). Called by ``marketplace.demo`` for a new organisation.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select, update

from billing import webhooks
from billing.gateway import event_payload, sign
from billing.models import Payment
from care.models import Client, FamilyContact
from marketplace.accounts.models import Organisation, User
from marketplace.core.db_types import LOCAL_ZONE, local_today
from marketplace.core.extensions import db
from teams.models import Team, TeamMembership

from . import bookings, extras
from .extras_domain import Exception_, Pattern
from .models import Booking, ExtraRating, Freelancer

WEEKDAYS = range(5)
# (code, title, description, price in cents, minutes, kind, seats, [(weekdays, start, end)])
CATALOGUE = (
    ("X01", "Begeleid uitje naar de markt", "Met de rolstoelbus naar de weekmarkt, koffie onderweg.", 4080, 120,
     "timed", 6, [((2, 5), time(10), time(12))]),
    ("F01", "Kapper: wassen, knippen, föhnen", "De kapper komt in de huiskamer.", 3000, 45, "timed", 1,
     [((1, 3), time(9), time(12))]),
    ("X03", "Verwenmoment", "Voetenbad, handmassage en nagels lakken.", 2550, 60, "timed", 2,
     [(WEEKDAYS, time(14), time(17))]),
    ("X04", "Extra gezelschap één-op-één", "Een uur wandelen, voorlezen of een spelletje.", 3900, 60, "on_request",
     1, [(WEEKDAYS, time(10), time(20))]),
    ("F04", "Gastmaaltijd voor bezoek", "Eet mee met uw naaste in de huiskamer.", 705, 60, "on_request", 1,
     [(range(7), time(17), time(19))]),
)
# Which of the catalogue each team offers, in team order: 3 to 5, timed and on request.
PER_TEAM = ((0, 1, 2, 3, 4), (0, 1, 3, 4), (1, 2, 3), (0, 2, 4))
STARS = (5, 4, 5, 3, 4)
COMMENTS = ("Moeder genoot ervan.", "Fijn en op tijd.", "", "Wat drukker dan gedacht, maar gezellig.", "")


def _slot(extra, days_ahead: int) -> datetime:
    """The first slot of ``extra`` from ``days_ahead`` days on (UTC)."""
    day = local_today() + timedelta(days=days_ahead)
    slots = bookings.slots_of([extra], day, day + timedelta(days=13), free_only=True)[extra.id]
    return slots[0].start


def _pay(booking: Booking) -> None:
    """What the demo checkout's Pay button does: a signed ``checkout.session.completed``."""
    payment = db.session.scalar(select(Payment).where(Payment.reference_id == booking.id,
                                                      Payment.purpose == bookings.EXTRA_BOOKING))
    body = event_payload("checkout.session.completed", {
        "id": payment.provider_session_id, "object": "checkout.session", "amount_total": payment.amount_cents,
        "currency": "eur", "payment_intent": f"pi_demo_{payment.id}", "payment_status": "paid",
        "metadata": {"payment_id": str(payment.id)}})
    webhooks.handle(body.encode(), sign(body, current_app.config["STRIPE_WEBHOOK_SECRET"]))


def _as_if_past(booking: Booking, days_ago: int) -> None:
    """The demo's history: a paid booking moved to ``days_ago`` so that it can be delivered and
    rated (a payment for a slot that has started is refunded, so it is paid while ahead)."""
    start = datetime.combine(local_today() - timedelta(days=days_ago), time(10), tzinfo=LOCAL_ZONE)
    start = start.astimezone(timezone.utc)
    db.session.execute(update(Booking).where(Booking.id == booking.id).values(
        starts_at=start, ends_at=start + (booking.ends_at - booking.starts_at))
        .execution_options(synchronize_session=False))
    db.session.commit()


def load_extras(org: Organisation) -> None:
    """Extras, bookings, deliveries, ratings and a refund for the organisation's teams, and the
    onboarded freelancer's extras with paid bookings. Commits."""
    with current_app.test_request_context():
        _load(org)
        _load_freelancers(org)


# The onboarded freelancer's two extras (issue 13, item 7): (code, title, description, price, minutes, windows).
FREELANCER_EXTRAS = (
    ("X03", "Verwenmoment door Sanne", "Handmassage, voetenbad en nagels lakken, op de kamer.", 3500, 45,
     [(WEEKDAYS, time(13), time(17))]),
    ("X04", "Wandelen en een praatje", "Een uur naar buiten, met de rolstoel als dat nodig is.", 3200, 60,
     [((0, 2, 4), time(10), time(12))]),
)


def _load_freelancers(org: Organisation) -> None:
    """The freelancers who can take payments offer their extras; a family booked and paid each once."""
    onboarded = db.session.scalars(select(Freelancer).where(
        Freelancer.organisation_id == org.id, Freelancer.status == "approved",
        Freelancer.charges_enabled.is_(True)).order_by(Freelancer.id)).all()
    for freelancer in onboarded:
        offered = [extras.create_freelancer_extra(freelancer.user, freelancer, extras.ExtraDraft(
            code=code, title=title, description=description, price_cents=price, duration_minutes=minutes,
            kind="timed", seats=1, patterns=[Pattern(day, start, end) for days, start, end in windows for day in days]))
            for code, title, description, price, minutes, windows in FREELANCER_EXTRAS]
        family = db.session.execute(
            select(User, Client).join(FamilyContact, FamilyContact.user_id == User.id)
            .join(Client, Client.id == FamilyContact.client_id)
            .where(Client.team_id == freelancer.home_team_id, FamilyContact.can_decide.is_(True))
            .order_by(Client.id).limit(1)).first()
        if family is None:
            continue
        user, resident = family
        for n, extra in enumerate(offered):
            booking = bookings.book(user, extra_id=extra.id, client_id=resident.id, start=_slot(extra, 2 + n))
            _pay(booking)


def _load(org: Organisation) -> None:
    teams = list(db.session.scalars(select(Team).where(Team.organisation_id == org.id).order_by(Team.id)))
    leads = dict(db.session.execute(select(TeamMembership.team_id, TeamMembership.user_id).where(
        TeamMembership.team_id.in_([t.id for t in teams]), TeamMembership.role == "team_lead")).all())
    closed_day = local_today() + timedelta(days=20)
    refunded = False
    for index, team in enumerate(teams):
        lead = db.session.get(User, leads.get(team.id)) if team.id in leads else None
        if lead is None:
            continue
        offered = []
        for code, title, description, price, minutes, kind, seats, windows in (
                CATALOGUE[n] for n in PER_TEAM[index % len(PER_TEAM)]):
            draft = extras.ExtraDraft(
                code=code, title=title, description=description, price_cents=price, duration_minutes=minutes,
                kind=kind, seats=seats,
                patterns=[Pattern(day, start, end) for days, start, end in windows for day in days],
                exceptions=[Exception_(closed_day, True)] if code == "X01" else [])
            offered.append(extras.create_extra(lead, team, draft))
        family = db.session.execute(
            select(User, Client).join(FamilyContact, FamilyContact.user_id == User.id)
            .join(Client, Client.id == FamilyContact.client_id)
            .where(Client.team_id == team.id, FamilyContact.can_decide.is_(True)).order_by(Client.id).limit(1)).first()
        if family is None:
            continue
        user, resident = family
        timed = [e for e in offered if e.kind == "timed"]
        # Delivered and rated: booked and paid ahead, then (as time passed) delivered.
        for n, extra in enumerate(timed[:2]):
            booking = bookings.book(user, extra_id=extra.id, client_id=resident.id, start=_slot(extra, 2 + n),
                                    notes="Graag de rolstoel meenemen." if n == 0 else "")
            _pay(booking)
            _as_if_past(booking, 7 + 3 * n)
            bookings.mark(lead, booking.id, delivered=True)
            db.session.add(ExtraRating(organisation_id=org.id, booking_id=booking.id, extra_id=extra.id,
                                       author_id=user.id, stars=STARS[(index + n) % 5],
                                       comment=COMMENTS[(index + n) % 5]))
            db.session.commit()
        # Upcoming and paid.
        upcoming = bookings.book(user, extra_id=timed[0].id, client_id=resident.id, start=_slot(timed[0], 3))
        _pay(upcoming)
        # Cancelled in time and refunded in full (once in the organisation).
        if not refunded and len(timed) > 1:
            booking = bookings.book(user, extra_id=timed[-1].id, client_id=resident.id, start=_slot(timed[-1], 5))
            _pay(booking)
            bookings.cancel(user, booking.id, reason="Familiebezoek die dag.")
            refunded = True
        # On request: a moment proposed, waiting for the provider's answer.
        asked = next((e for e in offered if e.kind == "on_request"), None)
        if asked is not None:
            day = local_today() + timedelta(days=4)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            start = datetime.combine(day, time(18), tzinfo=LOCAL_ZONE).astimezone(timezone.utc)
            bookings.book(user, extra_id=asked.id, client_id=resident.id, start=start)
