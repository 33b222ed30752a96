"""Attack on issue 10's hand-offs, on SQLite and PostgreSQL: the same sign-off clicked six times at
one moment signs once and tells the family once; the savings choice sent six times at once writes
one version; a savings choice made on a package the nurse replaced meanwhile never undoes her
sign-off."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from care import packages, savings_choice
from care.lines import LineInput
from care.models import Client, PackageVersion
from care.versions import ConcurrentChange, active_version
from marketplace.accounts import admin as people, org_settings
from marketplace.accounts.models import Organisation, OrganisationSetting, User
from marketplace.accounts.notifications import Notification
from marketplace.core.db_types import local_today
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from tests.conftest import together
from tests.factories import make_user
from tests.health_basis import record_risks

CORE = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}
HEALTH = {"H01": 21, "H04": 14, "H10": 14}


def _submitted(world) -> int:
    nurse = world.users["nurse"]
    record_risks(world.own, nurse)
    packages.save_version(nurse, world.own, [LineInput(c, n) for c, n in {**HEALTH, **CORE}.items()], False, "plan")
    return packages.submit_draft(nurse, world.own).number


def test_one_version_signed_off_six_times_at_once_is_signed_and_told_once(app, health_world):
    number = _submitted(health_world)
    nurse_id, client_id = health_world.users["nurse"].id, health_world.own.id

    def sign(_i):
        return packages.sign_off(db.session.get(User, nurse_id), db.session.get(Client, client_id), number).number

    results = together(app, 6, sign)
    signed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(signed) == 1, results
    assert all(isinstance(r, packages.NotSubmitted) for r in refused), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)
                             .where(PackageVersion.status == "active")) == 1
    family = health_world.users["family"]
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == family.id, Notification.kind.like("package_signed%"))) == 1


def _active(world) -> int:
    number = _submitted(world)
    return packages.sign_off(world.users["nurse"], world.own, number).number


def test_the_savings_choice_sent_six_times_at_once_writes_one_version(app, health_world):
    _active(health_world)
    family_id, client_id = health_world.users["family"].id, health_world.own.id
    before = db.session.scalar(select(func.count()).select_from(PackageVersion))

    def choose(_i):
        return savings_choice.set_use_savings(db.session.get(User, family_id), db.session.get(Client, client_id),
                                              True).number

    results = together(app, 6, choose)
    assert all(isinstance(r, (int, ConcurrentChange)) for r in results), results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(PackageVersion)) == before + 1, results
    [active] = db.session.scalars(select(PackageVersion).where(PackageVersion.status == "active"))
    assert active.use_savings is True


def test_a_savings_choice_on_a_package_the_nurse_replaced_meanwhile_keeps_her_package(app, health_world, monkeypatch):
    """Events out of order: the family's choice was made on the package that was active when
    the page loaded; the nurse signed a new one in between. Her package stays active."""
    _active(health_world)
    nurse, family, own = health_world.users["nurse"], health_world.users["family"], health_world.own
    stale = active_version(own)
    packages.save_version(nurse, own, [LineInput(c, n) for c, n in {**HEALTH, **CORE, "C08": 4}.items()],
                          False, "vaker")
    signed = packages.sign_off(nurse, own, packages.submit_draft(nurse, own).number).number
    # The family's request read the old active package just before the nurse's commit.
    monkeypatch.setattr(savings_choice, "active_version", lambda client: db.session.get(PackageVersion, stale.id))
    with pytest.raises(ConcurrentChange):
        savings_choice.set_use_savings(family, own, True)
    db.session.expire_all()
    [active] = db.session.scalars(select(PackageVersion).where(PackageVersion.status == "active"))
    assert active.number == signed and {line.service.code: line.per_week for line in active.lines}["C08"] == 4


def test_two_administrators_deactivating_each_other_at_once_leave_one(app, world):
    first = world.users["admin"]
    second = make_user(world.org, Role.ADMIN, email="second-admin@a.test")
    db.session.commit()
    pair = [(first.id, second.id), (second.id, first.id)]

    def deactivate(i):
        actor, target = (db.session.get(User, user_id) for user_id in pair[i])
        return people.update_user(actor, target, name=target.name, email=target.email, roles=None,
                                  active=False).id

    results = together(app, 2, deactivate)
    assert all(isinstance(r, (int, people.LastAdministrator)) for r in results), results
    db.session.expire_all()
    assert sum(db.session.get(User, user_id).active for user_id in (first.id, second.id)) == 1, results


def test_six_settings_changes_for_one_date_at_once_keep_one(app, world):
    admin_id, org_id, day = world.users["admin"].id, world.org.id, local_today() + timedelta(days=7)

    def change(i):
        return org_settings.change_settings(db.session.get(User, admin_id), db.session.get(Organisation, org_id),
                                            orange_from_pct=80 + i, red_above_pct=150, overhead_pct=20,
                                            valid_from=day).id

    results = together(app, 6, change)
    assert all(isinstance(r, (int, InvalidInput)) for r in results), results
    assert sum(isinstance(r, int) for r in results) == 1, results
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OrganisationSetting)) == 1
