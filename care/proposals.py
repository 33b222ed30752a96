"""Proposals reach the team: a family's (with *decide*), the resident's or the client
supporter's proposal waits for the team, which takes it over into its draft or declines it
with a reason the proposer sees. Every proposal stays readable, whatever became of it.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from marketplace.core import audit
from marketplace.core.audit import Action
from marketplace.core.db_types import local_today, utcnow
from marketplace.core.errors import Conflict, DomainError, InvalidInput, NotInScope
from marketplace.core.extensions import db
from marketplace.core.policy import Perm, authorize

from . import packages, proposal_notices
from .catalogue import price_list
from .domain import Category
from .lines import LineInput
from .models import Client, PackageVersion
from .models.packages import Status
from .versions import working_version

MAX_REASON = 500


class ProposalHandled(Conflict):
    """The proposal was taken over or declined already, perhaps by a colleague a moment ago."""

    code = "proposal_handled"

    def __init__(self, proposal: PackageVersion):
        name = proposal.decided_by.name if proposal.decided_by else _("a colleague")
        if proposal.status == Status.DECLINED.value:
            message = _("Proposal %(n)d was already declined by %(name)s. Nothing was changed.",
                        n=proposal.number, name=name)
        elif proposal.status == Status.TAKEN_OVER.value:
            message = _("Proposal %(n)d was already taken over by %(name)s. Nothing was changed.",
                        n=proposal.number, name=name)
        else:
            message = _("Proposal %(n)d was replaced by a newer proposal. Nothing was changed.", n=proposal.number)
        super().__init__(message)
        self.proposal = proposal


def proposal_by_number(client: Client, number: int) -> PackageVersion:
    """:raises NotInScope: no version of that number was written as a proposal."""
    version = db.session.scalar(select(PackageVersion).where(
        PackageVersion.client_id == client.id, PackageVersion.number == number, PackageVersion.proposed.is_(True))
        .options(selectinload(PackageVersion.decided_by)))
    if version is None:
        raise NotInScope()
    return version


def proposals_of(client: Client) -> list[PackageVersion]:
    """Every proposal for the client, newest first, with who wrote and who answered it."""
    return list(db.session.scalars(
        select(PackageVersion).where(PackageVersion.client_id == client.id, PackageVersion.proposed.is_(True))
        .options(selectinload(PackageVersion.created_by), selectinload(PackageVersion.decided_by))
        .order_by(PackageVersion.number.desc())))


def waiting_for(client: Client) -> list[PackageVersion]:
    """The client's proposals waiting for the team (one at most, as a new one replaces the last)."""
    return list(db.session.scalars(
        select(PackageVersion).where(PackageVersion.client_id == client.id,
                                     PackageVersion.status == Status.PROPOSAL.value)
        .options(selectinload(PackageVersion.created_by)).order_by(PackageVersion.number.desc())))


def _claim(actor, proposal: PackageVersion, status: Status, reason: str = "") -> None:
    """Mark the proposal answered, if nobody answered it first: a conditional update whose row
    count decides, which holds on PostgreSQL and SQLite alike (two carers at one moment).

    :raises ProposalHandled: answered already; nothing is changed.
    """
    claimed = db.session.execute(
        update(PackageVersion).where(PackageVersion.id == proposal.id,
                                     PackageVersion.status == Status.PROPOSAL.value)
        .values(status=status.value, decided_by_id=actor.id, decided_at=utcnow(), decline_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ProposalHandled(_fresh(proposal))
    db.session.expire(proposal)


def _fresh(proposal: PackageVersion) -> PackageVersion:
    return db.session.get(PackageVersion, proposal.id, populate_existing=True)


def lines_to_take_over(client: Client, proposal: PackageVersion) -> list[LineInput]:
    """The proposal's chosen care with the team's current health lines (health lines are the
    nurse's: a proposal never changes them, and they may have changed since it was made)."""
    base = working_version(client)
    chosen = [LineInput(line.service.code, line.per_week) for line in proposal.lines
              if line.service.category != Category.HEALTH.value]
    health = [LineInput(line.service.code, line.per_week) for line in (base.lines if base else [])
              if line.service.category == Category.HEALTH.value]
    return chosen + health


def take_over(actor, client: Client, number: int, lines: list[LineInput] | None = None,
              use_savings: bool | None = None, reason: str | None = None) -> PackageVersion:
    """A carer takes the proposal over into the team's draft: as proposed, or as the carer
    adjusted it in the composer (``lines``). The proposer is told.

    :raises NotInScope: no such proposal.
    :raises ProposalHandled: taken over or declined already (also by someone at the same moment).
    :raises InvalidPackage, ClientHasNoBudget, ConcurrentChange: as saving a draft.
    """
    authorize(actor, Perm.PACKAGE_COMPOSE, client)
    proposal = proposal_by_number(client, number)
    if proposal.status != Status.PROPOSAL.value:
        raise ProposalHandled(proposal)
    if lines is None:
        lines = lines_to_take_over(client, proposal)
    use_savings = proposal.use_savings if use_savings is None else use_savings
    if not (reason or "").strip():
        reason = _("Proposal %(n)d taken over", n=proposal.number) + (f": {proposal.reason}" if proposal.reason else "")
    _claim(actor, proposal, Status.TAKEN_OVER)
    try:
        draft = packages.write_checked(actor, client, lines, use_savings, reason,
                                       price_list(client.organisation, local_today()))
    except DomainError:
        db.session.rollback()  # the claim too: nothing of a refused take-over is kept
        raise
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=proposal,
                 detail=f"proposal {proposal.number} taken over into draft {draft.number}")
    proposal_notices.proposal_taken_over(actor, client, proposal, draft)
    db.session.commit()
    return draft


def decline(actor, client: Client, number: int, reason: str) -> PackageVersion:
    """The team declines the proposal with a reason the proposer sees (and is told of).

    :raises InvalidInput: no reason, or a reason over 500 characters.
    :raises NotInScope: no such proposal.
    :raises ProposalHandled: taken over or declined already.
    """
    authorize(actor, Perm.PACKAGE_COMPOSE, client)
    if not isinstance(reason, str) or not reason.strip() or len(reason.strip()) > MAX_REASON:
        raise InvalidInput("reason", _("Say why the proposal is declined (at most 500 characters): the family "
                                       "reads it."))
    proposal = proposal_by_number(client, number)
    if proposal.status != Status.PROPOSAL.value:
        raise ProposalHandled(proposal)
    _claim(actor, proposal, Status.DECLINED, reason.strip())
    audit.record(Action.UPDATE, actor=actor, client_id=client.id, obj=proposal,
                 detail=f"proposal {proposal.number} declined")
    proposal_notices.proposal_declined(actor, client, proposal)
    db.session.commit()
    return proposal
