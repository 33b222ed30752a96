"""Status at a glance, budget over time, invoices (issue 10, items 5, 6 and 11) in a real
Chromium: what the family and the nurse see, at desktop width and on a 390-pixel phone,
with an axe scan (no serious or critical violations) and a screenshot of every page."""
from __future__ import annotations

import re
from datetime import date

import pytest

from billing.invoices import create_invoices
from billing.settlement import settle_week
from tests.browser.test_family_journey import PHONE, _serious_violations, has_horizontal_scroll, log_in
from tests.factories import give_catalogue
from tests.integration.test_settlement import BIG, GREEN, give_package
from tests.unit.test_budget_domain import HEALTH_5VV

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def settled(world):
    """The worked scenario of tests/integration/test_budget_history.py, settled and invoiced."""
    give_catalogue(world)
    give_package(world, world.own, {**HEALTH_5VV, **GREEN}, active_from=date(2026, 11, 2))
    give_package(world, world.own, {**HEALTH_5VV, **BIG}, active_from=date(2026, 11, 16))
    for week in ("2026-W45", "2026-W46", "2026-W47", "2026-W48"):
        settle_week(week, today=date(2026, 12, 3))
    create_invoices(date(2026, 11, 1))
    return world


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_family_status_budget_history_and_invoices(page: Page, live_server: str, settled, screenshot, viewport):
    base, own = live_server, settled.own
    page.set_viewport_size(viewport)
    size = "phone" if viewport == PHONE else "desktop"
    log_in(page, base, settled.users["family"].email)
    problems = {}

    # Home: the resident's card says the meter in words, the bijbetaling, savings, review, invoices.
    card = page.locator(".status-card").filter(has_text=own.name)
    expect(card).to_contain_text("boven budget")
    expect(card).to_contain_text("113,3")
    expect(card).to_contain_text("Bijbetaling per week")
    expect(card).to_contain_text("€ 118,00")
    expect(card).to_contain_text("Openstaande facturen")
    problems["home"] = _serious_violations(page)
    assert not has_horizontal_scroll(page)
    screenshot(page, f"home-{size}")

    # The budget page links to the budget over time: a chart with a table beside it.
    card.get_by_role("link", name="Budget en zorg").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own.name)
    problems["budget"] = _serious_violations(page)
    screenshot(page, f"budget-{size}")
    page.get_by_role("link", name="Budget door de tijd").click()
    chart = page.get_by_role("img", name=re.compile("Budget van .* door de tijd"))
    expect(chart).to_be_visible()
    expect(page.locator(".history-table tbody tr")).to_have_count(4)
    expect(page.locator(".history-table")).to_contain_text("week van 16 november")
    expect(page.locator(".history-table")).not_to_contain_text("W47")
    problems["history"] = _serious_violations(page)
    assert not has_horizontal_scroll(page)
    screenshot(page, f"history-{size}")

    # Invoices: number, dates, status, the months with statements; a printable invoice.
    page.goto(f"{base}/clients/{own.id}/invoices")
    expect(page.locator("table.invoices tbody tr")).to_have_count(1)
    expect(page.locator("table.invoices")).to_contain_text("november 2026")
    expect(page.get_by_role("link", name="Overzicht van november 2026")).to_be_visible()
    problems["invoices"] = _serious_violations(page)
    assert not has_horizontal_scroll(page)
    screenshot(page, f"invoices-{size}")
    page.locator("table.invoices tbody tr th a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Factuur")
    expect(page.locator(".invoice-lines")).to_contain_text("week van 23 november")
    expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()
    problems["invoice"] = _serious_violations(page)
    assert not has_horizontal_scroll(page)
    screenshot(page, f"invoice-{size}")
    assert problems == {name: [] for name in problems}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_nurse_sorts_the_resident_list_by_keyboard(page: Page, live_server: str, settled, screenshot, viewport):
    base = live_server
    page.set_viewport_size(viewport)
    size = "phone" if viewport == PHONE else "desktop"
    log_in(page, base, settled.users["nurse"].email)
    table = page.locator("table.residents")
    expect(table).to_be_visible()
    if viewport == DESKTOP:  # the column headers are links
        table.get_by_role("link", name="Meter").focus()
        page.keyboard.press("Enter")
    else:  # on a phone the rows are cards: the sort form above them
        page.get_by_label("Sorteren op").focus()
        page.keyboard.press("ArrowDown")  # name → meter
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sort=meter"))
    expect(page.locator("table.residents th[aria-sort='ascending']")).to_contain_text("Meter")
    expect(page.locator("table.residents tbody tr").first).to_contain_text(settled.own.name)
    problems = _serious_violations(page)
    screenshot(page, f"residents-{size}")
    assert problems == []
