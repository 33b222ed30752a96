"""Who is told of a hand-off, and with what words: a proposal sent to the team, taken over or
declined, a package signed off with its weekly effect.

Texts never carry health detail: they name the resident, people and euros only, as they also
go out by e-mail (a decline's reason stays on the page, where the proposer reads it).
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from marketplace.accounts.models import User, UserRole
from marketplace.accounts.notifications import notify, register_kind
from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.money import format_euro
from marketplace.core.roles import Role
from teams.models import TeamMembership

from .meter import MeterReading
from .models import Client, FamilyContact, PackageVersion

PROPOSAL_SENT = "proposal_sent"
PROPOSAL_TAKEN_OVER = "proposal_taken_over"
PROPOSAL_DECLINED = "proposal_declined"
PACKAGE_SIGNED = "package_signed"
PACKAGE_SIGNED_COPAY = "package_signed_copay"

register_kind(PROPOSAL_SENT, _l("%(author)s proposed a change to the package of %(client)s"))
register_kind(PROPOSAL_TAKEN_OVER, _l("%(carer)s took over your proposal for %(client)s into the team's draft"))
register_kind(PROPOSAL_DECLINED, _l("%(carer)s declined your proposal for %(client)s. The reason is on the "
                                    "budget page."))
register_kind(PACKAGE_SIGNED, _l("The package of %(client)s was signed off and changes. Co-payment per week: "
                                 "%(before)s → %(after)s."))
register_kind(PACKAGE_SIGNED_COPAY, _l("The package of %(client)s was signed off and changes. Co-payment per "
                                       "week: %(before)s → %(after)s. Savings (%(savings)s) can pay it first: "
                                       "choose that on the budget page."))


def _path(endpoint: str, **values) -> str:
    """A link for the notification; also outside a request (a command, a test's service call)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _euro(cents: int) -> str:
    return format_euro(cents, "nl")


def team_carers(client: Client) -> list[User]:
    """The carers of the client's team today (a freelancer's membership does not count)."""
    if client.team_id is None:
        return []
    today = local_today()
    return list(db.session.scalars(
        select(User).join(TeamMembership, TeamMembership.user_id == User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(TeamMembership.team_id == client.team_id, UserRole.role == Role.CARER.value,
               or_(TeamMembership.starts_on.is_(None), TeamMembership.starts_on <= today),
               or_(TeamMembership.ends_on.is_(None), TeamMembership.ends_on > today))
        .distinct().order_by(User.id)))


def money_contacts(client: Client) -> list[tuple[User, bool]]:
    """Family contacts with *decide* or *pay*, each with whether they decide."""
    rows = db.session.execute(
        select(User, FamilyContact.can_decide).join(FamilyContact, FamilyContact.user_id == User.id)
        .where(FamilyContact.client_id == client.id, or_(FamilyContact.can_decide, FamilyContact.can_pay))
        .order_by(User.id))
    return [(user, decides) for user, decides in rows]


def proposal_sent(actor, client: Client, proposal: PackageVersion) -> None:
    """The carers of the resident's team hear of a new proposal, with a link to open it."""
    notify([u for u in team_carers(client) if u.id != actor.id], PROPOSAL_SENT,
           link=_path("packages.composer", client_id=client.id, proposal=proposal.number),
           params={"author": actor.name, "client": client.name})


def proposal_taken_over(actor, client: Client, proposal: PackageVersion, draft: PackageVersion) -> None:
    """The proposer hears that the team took the proposal over."""
    author = db.session.get(User, proposal.created_by_id)
    notify([author] if author and author.id != actor.id else [], PROPOSAL_TAKEN_OVER,
           link=_path("packages.budget", client_id=client.id), params={"carer": actor.name, "client": client.name})


def proposal_declined(actor, client: Client, proposal: PackageVersion) -> None:
    """The proposer hears that the team declined the proposal; the reason is on the budget page."""
    author = db.session.get(User, proposal.created_by_id)
    notify([author] if author and author.id != actor.id else [], PROPOSAL_DECLINED,
           link=_path("packages.budget", client_id=client.id), params={"carer": actor.name, "client": client.name})


def package_signed(actor, client: Client, version: PackageVersion, before: MeterReading | None,
                   after: MeterReading | None) -> None:
    """Family contacts with *decide* or *pay* hear of the new package and its weekly co-payment,
    before → after. When a co-payment appears, savings are not used and there are savings, those
    who decide are offered to pay it from savings first (the budget page has the button)."""
    if after is None:
        return
    copay_before = before.settlement.copay_cents if before else 0
    copay_after = after.settlement.copay_cents
    params = {"client": client.name, "before": _euro(copay_before), "after": _euro(copay_after)}
    link = _path("packages.budget", client_id=client.id)
    offer = copay_after > 0 and not version.use_savings and after.savings_balance_cents > 0
    contacts = money_contacts(client)
    deciders = [user for user, decides in contacts if decides]
    payers = [user for user, decides in contacts if not decides]
    if offer:
        notify(deciders, PACKAGE_SIGNED_COPAY, link=link + "#savings-offer-title",
               params={**params, "savings": _euro(after.savings_balance_cents)})
        notify(payers, PACKAGE_SIGNED, link=link, params=params)
    else:
        notify(deciders + payers, PACKAGE_SIGNED, link=link, params=params)
