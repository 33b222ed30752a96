"""Catalogue history: prices change from a date and earlier packages keep earlier prices."""
from datetime import date

import pytest
from sqlalchemy import select

from care import catalogue, meter
from marketplace.core.errors import InvalidInput
from care.models import PackageLine, PackageVersion, Service, StaffLevel
from marketplace.core.policy import AccessDenied, NotInScope


def level(org, code):
    from marketplace.core.extensions import db

    return db.session.scalar(
        select(StaffLevel).where(StaffLevel.organisation_id == org.id, StaffLevel.code == code))


def test_a_rate_change_takes_effect_from_its_date(priced_world, db):
    admin = priced_world.users["admin"]
    catalogue.change_rate(admin, level(priced_world.org, "N2"), base_hourly_cents=3500, valid_from=date(2026, 7, 1))
    before = catalogue.price_list(priced_world.org, date(2026, 6, 30))
    after = catalogue.price_list(priced_world.org, date(2026, 7, 1))
    assert before["C01"].unit_cents == 2040
    assert after["C01"].unit_cents == 2100  # 30 × 3500 × 120 / 6000
    assert after["C09"].unit_cents == before["C09"].unit_cents  # N3 untouched


def test_a_service_change_keeps_its_history(priced_world, db):
    admin = priced_world.users["admin"]
    service = db.session.scalar(select(Service).where(Service.organisation_id == priced_world.org.id,
                                                      Service.code == "C01"))
    catalogue.change_service(admin, service, minutes=45, level_code="N3", material_cents=150,
                             valid_from=date(2026, 8, 1), active=True)
    assert catalogue.price_list(priced_world.org, date(2026, 7, 31))["C01"].unit_cents == 2040
    assert catalogue.price_list(priced_world.org, date(2026, 8, 1))["C01"].unit_cents == 3690 + 150
    with pytest.raises(InvalidInput):
        catalogue.change_service(admin, service, minutes=0, level_code="N3", material_cents=0,
                                 valid_from=date(2026, 9, 1), active=True)


def test_last_months_package_shows_last_months_prices(priced_world, db):
    nurse = priced_world.users["nurse"]
    c01 = db.session.scalar(select(Service).where(Service.organisation_id == priced_world.org.id,
                                                  Service.code == "C01"))
    version = PackageVersion(client_id=priced_world.own.id, number=1, status="active", created_by_id=nurse.id,
                             active_from=date(2026, 6, 1), lines=[PackageLine(service_id=c01.id, per_week=7)])
    db.session.add(version)
    db.session.commit()
    catalogue.change_rate(priced_world.users["admin"], level(priced_world.org, "N2"), base_hourly_cents=3600,
                          valid_from=date(2026, 7, 1))
    then = meter.reading_of(priced_world.own, version, version.active_from)
    now = meter.reading_of(priced_world.own, version, date(2026, 7, 15))
    assert then.meter.core_cents == 7 * 2040
    assert now.meter.core_cents == 7 * 2160


def test_budget_override_beats_the_formula_from_its_date(priced_world, db):
    admin = priced_world.users["admin"]
    assert catalogue.budget_on(priced_world.own, date(2026, 5, 1)) == 88560
    catalogue.set_budget_override(admin, priced_world.org, care_profile="5VV", weekly_cents=90000,
                                  valid_from=date(2026, 6, 1))
    assert catalogue.budget_on(priced_world.own, date(2026, 5, 31)) == 88560
    assert catalogue.budget_on(priced_world.own, date(2026, 6, 1)) == 90000
    with pytest.raises(InvalidInput):
        catalogue.set_budget_override(admin, priced_world.org, care_profile="99VV", weekly_cents=1,
                                      valid_from=date(2026, 6, 2))
    with pytest.raises(InvalidInput):
        catalogue.set_budget_override(admin, priced_world.org, care_profile="5VV", weekly_cents=0,
                                      valid_from=date(2026, 6, 3))


def test_only_an_administrator_of_the_same_organisation_edits_the_catalogue(priced_world, db):
    n2 = level(priced_world.org, "N2")
    with pytest.raises(AccessDenied):
        catalogue.change_rate(priced_world.users["carer"], n2, base_hourly_cents=1, valid_from=date(2026, 1, 1))
    with pytest.raises(NotInScope):
        catalogue.change_rate(priced_world.foreign_admin, n2, base_hourly_cents=1, valid_from=date(2026, 1, 1))
    with pytest.raises(NotInScope):
        catalogue.set_budget_override(priced_world.foreign_admin, priced_world.org, care_profile="5VV",
                                      weekly_cents=1, valid_from=date(2026, 1, 1))
