"""Statements and invoices a family can find (issue 10, item 11): the months with statements,
invoices with number, date, due date and status, a printable page per invoice."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from billing.domain import AccountKind, LineKind, Transfer, account_key
from billing.ledger import book
from billing.models import CopayInvoice, CopayInvoiceLine
from marketplace.core.extensions import db

TODAY = datetime(2026, 12, 20, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


def settled_week(world, client, monday: date, copay: int):
    """A settlement entry of one week with a co-payment, as settle_week books it."""
    week = f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"
    return book(world.org.id, f"settle:{week}:{client.id}", "settlement", [
        Transfer(account_key(AccountKind.COPAY_RECEIVABLE, client.id), account_key(AccountKind.TEAM_BUDGET, world.team.id),
                 copay, LineKind.COPAY)], memo=f"week {week}", client_id=client.id, booked_on=monday)


def invoice(world, client, month: date, weeks: list[tuple[date, int]], created: datetime, status="open"):
    lines = []
    for monday, copay in weeks:
        entry = settled_week(world, client, monday, copay)
        db.session.flush()
        lines.append(CopayInvoiceLine(entry_id=entry.id, week=entry.memo.removeprefix("week "), booked_on=monday,
                                      amount_cents=copay))
    inv = CopayInvoice(organisation_id=world.org.id, client_id=client.id, month=month, status=status,
                       amount_cents=sum(c for _, c in weeks), created_at=created, lines=lines)
    db.session.add(inv)
    db.session.commit()
    return inv


@pytest.fixture
def invoices(world):
    october = invoice(world, world.own, date(2026, 10, 1), [(date(2026, 10, 5), 1790), (date(2026, 10, 12), 1790)],
                      datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc), status="paid")
    november = invoice(world, world.own, date(2026, 11, 1), [(date(2026, 11, 23), 1790), (date(2026, 11, 30), 500)],
                       datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    other = invoice(world, world.other, date(2026, 11, 1), [(date(2026, 11, 23), 4321)],
                    datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc))
    return october, november, other


def test_family_lists_invoices_with_number_dates_status_and_statement_months(world, client, auth, invoices):
    october, november, _ = invoices
    auth.login(world.email("family"))
    html = client.get(f"/clients/{world.own.id}/invoices").get_data(as_text=True)
    assert november.number == f"202611-{november.id:06d}" and november.number in html and october.number in html
    assert "1 december 2026" in html and "15 december 2026" in html  # invoice date and due date (14 days)
    assert "overdue" in html.lower() or "te laat" in html  # open, past its due date on 20 December
    assert "€ 22,90" in html and "€ 35,80" in html
    for month in ("2026-10", "2026-11"):
        assert f"/clients/{world.own.id}/statements/{month}" in html
    assert "€ 43,21" not in html  # another resident's invoice


def test_the_printable_invoice_shows_weeks_by_date_not_iso_week(world, client, auth, invoices):
    _, november, _ = invoices
    auth.login(world.email("family"))
    response = client.get(f"/clients/{world.own.id}/invoices/{november.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "23 november" in html and "30 november" in html
    assert "2026-W48" not in html and "W49" not in html
    assert "€ 22,90" in html and "data-print" in html


def test_another_residents_invoice_is_not_found(world, client, auth, invoices):
    _, _, other = invoices
    auth.login(world.email("family"))
    # Under the family's own resident, another resident's invoice does not exist.
    assert client.get(f"/clients/{world.own.id}/invoices/{other.id}").status_code == 404
    assert client.get(f"/clients/{world.own.id}/invoices/999999").status_code == 404
    # The other resident's own page refuses, as every page of a resident the family has no relation to.
    assert client.get(f"/clients/{world.other.id}/invoices/{other.id}").status_code == 403


def test_a_view_only_contact_cannot_open_invoices(world, client, auth, invoices):
    _, november, _ = invoices
    auth.login(world.view_only_family.email)
    assert client.get(f"/clients/{world.own.id}/invoices/{november.id}").status_code == 403
    assert client.get(f"/clients/{world.own.id}/invoices").status_code == 403


def test_english_dates_are_day_first(world, client, auth, invoices):
    _, november, _ = invoices
    auth.login(world.email("family"))
    client.post("/language", data={"language": "en", "csrf_token": auth.csrf})
    html = client.get(f"/clients/{world.own.id}/invoices/{november.id}").get_data(as_text=True)
    assert "1 December 2026" in html and "15 December 2026" in html
    assert "week of 23 November" in html
    assert "December 1, 2026" not in html


def test_invoices_page_keeps_a_constant_query_count(world, client, auth, invoices, count_queries):
    auth.login(world.email("family"))
    url = f"/clients/{world.own.id}/invoices"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for month in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)):
        invoice(world, world.own, month, [(month.replace(day=6 + month.month % 7), 100)],
                datetime(2026, month.month + 1, 1, 9, 0, tzinfo=timezone.utc))
    with count_queries() as many:
        client.get(url)
    assert few.count == many.count


def test_the_api_gives_the_same_invoices_and_months(world, client, auth, invoices):
    october, november, other = invoices
    auth.login(world.email("family"))
    body = client.get(f"/api/v1/clients/{world.own.id}/invoices").get_json()
    assert body["statement_months"] == ["2026-11", "2026-10"]
    first = body["invoices"][0]
    assert (first["number"], first["issued_on"], first["due_on"], first["overdue"], first["status"]) == \
        (november.number, "2026-12-01", "2026-12-15", True, "open")
    one = client.get(f"/api/v1/clients/{world.own.id}/invoices/{november.id}").get_json()["invoice"]
    assert [w["monday"] for w in one["weeks"]] == ["2026-11-23", "2026-11-30"]
    assert client.get(f"/api/v1/clients/{world.own.id}/invoices/{other.id}").status_code == 404
