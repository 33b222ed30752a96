"""Issue 9, item 2: the catalogue takes sane amounts only, and never reaches back into a settled
week or years ahead. A refused change saves nothing."""
from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
import time_machine
from sqlalchemy import func, select

from billing.ledger import last_settled_monday
from billing.models import JournalEntry
from care import catalogue
from care.models import BudgetOverride, Service, ServiceVersion, StaffLevel, StaffLevelRate
from marketplace.core.errors import InvalidInput
from marketplace.core.extensions import db
from tests.conftest import csrf_from

TODAY = date(2026, 12, 3)  # a Thursday
SETTLED = date(2026, 11, 23)  # the Monday of the last settled week, 2026-W48
FIRST_OPEN = date(2026, 11, 30)


@pytest.fixture
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _settle(world, monday: date = SETTLED) -> None:
    db.session.add(JournalEntry(organisation_id=world.org.id, idempotency_key=f"settle:{monday}", kind="settlement",
                                booked_on=monday))
    db.session.flush()


def _level(world, code="N3") -> StaffLevel:
    return db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == world.org.id,
                                                      StaffLevel.code == code))


def _service(world, code="C01") -> Service:
    return db.session.scalar(select(Service).where(Service.organisation_id == world.org.id, Service.code == code))


def _rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_last_settled_monday_is_the_latest_settlement_of_the_organisation(priced_world):
    assert last_settled_monday(priced_world.org.id) is None
    _settle(priced_world, date(2026, 11, 16))
    _settle(priced_world, SETTLED)
    db.session.add(JournalEntry(organisation_id=priced_world.org.id, idempotency_key="other", kind="payment",
                                booked_on=date(2026, 12, 1)))
    db.session.add(JournalEntry(organisation_id=priced_world.other_org.id, idempotency_key="foreign",
                                kind="settlement", booked_on=date(2026, 11, 30)))
    assert last_settled_monday(priced_world.org.id) == SETTLED


@pytest.mark.parametrize("cents, ok", [(99, False), (100, True), (50_000, True), (50_001, False),
                                       (9_999_999_999_900, False)])
def test_an_hourly_cost_lies_between_one_and_five_hundred_euros(priced_world, today, cents, ok):
    call = lambda: catalogue.change_rate(priced_world.users["admin"], _level(priced_world),  # noqa: E731
                                         base_hourly_cents=cents, valid_from=date(2027, 1, 4))
    if ok:
        assert call().base_hourly_cents == cents
    else:
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == "rate"


@pytest.mark.parametrize("cents, ok", [(99, False), (100, True), (2_000_000, True), (2_000_001, False),
                                       (100_000_000_000, False)])
def test_a_weekly_budget_lies_between_one_and_twenty_thousand_euros(priced_world, today, cents, ok):
    call = lambda: catalogue.set_budget_override(priced_world.users["admin"], priced_world.org,  # noqa: E731
                                                 care_profile="5VV", weekly_cents=cents, valid_from=date(2027, 1, 4))
    if ok:
        assert call().weekly_cents == cents
    else:
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == "weekly"


@pytest.mark.parametrize("field, changes, ok", [
    ("material", {"material_cents": 100_000}, True), ("material", {"material_cents": 100_001}, False),
    ("material", {"material_cents": -1}, False), ("minutes", {"minutes": 1440}, True),
    ("minutes", {"minutes": 1441}, False), ("minutes", {"minutes": 0}, False),
])
def test_a_service_change_has_sane_minutes_and_material(priced_world, today, field, changes, ok):
    values = {"minutes": 30, "level_code": "N3", "material_cents": 0, "valid_from": date(2027, 1, 4),
              "active": True, **changes}
    if ok:
        catalogue.change_service(priced_world.users["admin"], _service(priced_world), **values)
    else:
        with pytest.raises(InvalidInput) as refused:
            catalogue.change_service(priced_world.users["admin"], _service(priced_world), **values)
        assert refused.value.field == field


@pytest.mark.parametrize("valid_from, ok", [
    (SETTLED, False), (FIRST_OPEN - timedelta(days=1), False), (date(2025, 6, 2), False), (FIRST_OPEN, True),
    (date(2028, 12, 3), True), (date(2028, 12, 4), False), (date(9999, 12, 31), False),
])
def test_a_change_starts_after_the_last_settled_week_and_at_most_two_years_ahead(priced_world, today, valid_from,
                                                                                 ok):
    _settle(priced_world)
    admin = priced_world.users["admin"]
    edits = [
        lambda: catalogue.change_rate(admin, _level(priced_world), base_hourly_cents=4100, valid_from=valid_from),
        lambda: catalogue.set_budget_override(admin, priced_world.org, care_profile="5VV", weekly_cents=90000,
                                              valid_from=valid_from),
        lambda: catalogue.change_service(admin, _service(priced_world), minutes=30, level_code="N3",
                                         material_cents=0, valid_from=valid_from, active=True),
    ]
    for edit in edits:
        if ok:
            edit()
        else:
            with pytest.raises(InvalidInput) as refused:
                edit()
            assert refused.value.field == "valid_from"


def test_another_organisations_settlement_does_not_block_this_one(priced_world, today):
    db.session.add(JournalEntry(organisation_id=priced_world.other_org.id, idempotency_key="foreign",
                                kind="settlement", booked_on=SETTLED))
    db.session.flush()
    catalogue.change_rate(priced_world.users["admin"], _level(priced_world), base_hourly_cents=4100,
                          valid_from=SETTLED)


# -- through the pages: a form error in the user's language, nothing saved ------------------------

@pytest.mark.parametrize("path, form, message", [
    ("levels", {"rate": "99999999999"}, "Enter an hourly cost from €1.00 to €500.00."),
    ("budgets", {"care_profile": "5VV", "weekly": "1000000000"},
     "Enter a weekly budget from €1.00 to €20,000.00."),
    ("levels", {"rate": "41,00", "valid_from": "9999-12-31"}, "A change can start at most two years ahead"),
    ("levels", {"rate": "41,00", "valid_from": "2026-11-24"}, "The weeks up to 2026-11-29 are settled already"),
])
def test_an_impossible_catalogue_change_is_an_english_form_error(priced_world, client, auth, today, path, form,
                                                                 message):
    _settle(priced_world)
    priced_world.users["admin"].locale = "en"
    db.session.commit()
    auth.login(priced_world.email("admin"))
    token = csrf_from(client.get("/admin/catalogue").get_data(as_text=True))
    url = f"/admin/catalogue/levels/{_level(priced_world).id}" if path == "levels" else "/admin/catalogue/budgets"
    before = (_rows(StaffLevelRate), _rows(BudgetOverride), _rows(ServiceVersion))

    response = client.post(url, data={"csrf_token": token, "valid_from": "2027-01-04", **form})

    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert (_rows(StaffLevelRate), _rows(BudgetOverride), _rows(ServiceVersion)) == before


def test_too_much_material_is_a_form_error_on_the_service_page(priced_world, client, auth, today):
    priced_world.users["admin"].locale = "en"
    db.session.commit()
    auth.login(priced_world.email("admin"))
    service = _service(priced_world)
    page = client.get(f"/admin/catalogue/services/{service.id}")
    response = client.post(f"/admin/catalogue/services/{service.id}", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "minutes": "30", "level": "N3",
        "material": "1.000,01", "valid_from": "2027-01-04", "active": "y"})
    assert response.status_code == 422
    assert "Enter a material cost from €0.00 to €1,000.00." in unescape(response.get_data(as_text=True))
