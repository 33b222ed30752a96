"""Two people answer one proposal at the same moment: one wins, the other is told it was answered
already, and nothing is written twice. On SQLite and PostgreSQL (a conditional update decides)."""
from __future__ import annotations

from sqlalchemy import func, select

from care import packages, proposals
from care.lines import LineInput
from care.models import Client, PackageVersion
from marketplace.accounts.models import User
from marketplace.accounts.notifications import Notification
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.factories import add_member, make_user
from tests.integration.test_money_holes import together


def _proposal(world) -> int:
    family = world.users["family"]
    return packages.save_version(family, world.own, [LineInput("C01", 7), LineInput("C10", 2)], False,
                                 "graag vaker douchen").number


def _second_carer(world) -> int:
    carer = make_user(world.org, Role.CARER, email="tweede@a.test")
    add_member(world.team, carer, "carer")
    db.session.commit()
    return carer.id


def _count(*where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(PackageVersion).where(*where))


def test_two_carers_take_over_one_proposal_at_once(app, priced_world):
    number = _proposal(priced_world)
    carers = [priced_world.users["carer"].id, _second_carer(priced_world)]
    client_id = priced_world.own.id

    def take(i):
        return proposals.take_over(db.session.get(User, carers[i]), db.session.get(Client, client_id), number).number

    results = together(app, 2, take)
    drafts = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(drafts) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], proposals.ProposalHandled), results
    assert _count(PackageVersion.status == "draft") == 1
    assert _count(PackageVersion.status == "taken_over") == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "proposal_taken_over")) == 1


def test_a_take_over_and_a_decline_at_once_leave_one_answer(app, priced_world):
    number = _proposal(priced_world)
    carers = [priced_world.users["carer"].id, _second_carer(priced_world)]
    client_id = priced_world.own.id

    def answer(i):
        actor, client = db.session.get(User, carers[i]), db.session.get(Client, client_id)
        if i == 0:
            return proposals.take_over(actor, client, number).status
        return proposals.decline(actor, client, number, "past niet").status

    results = together(app, 2, answer)
    answered = [r for r in results if isinstance(r, str)]
    assert len(answered) == 1, results
    assert isinstance(next(r for r in results if not isinstance(r, str)), proposals.ProposalHandled)
    db.session.expire_all()
    proposal = db.session.scalar(select(PackageVersion).where(PackageVersion.number == number))
    assert proposal.status in ("taken_over", "declined")
    assert _count(PackageVersion.status == "draft") == (1 if proposal.status == "taken_over" else 0)
