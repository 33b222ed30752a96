"""Issue 14 in a real Chromium: the board logs in and lands on the competition dashboard, changes
the period, reads the ranking and the two trend charts with their tables; screenshots of the
charts at desktop width and at 390 px; axe finds no serious or critical violation (WCAG 2.2 AA)
at either width, and the page never scrolls sideways. Screenshots in test-artifacts/screenshots/.
"""
from __future__ import annotations

import re

from tests.browser.test_accessibility_sweep import DESKTOP, DOMAIN, PHONE, serious_violations

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth + 1")


def test_the_board_reads_the_competition_dashboard(page: Page, live_server: str, demo, screenshot):
    page.goto(f"{live_server}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(f"bestuur@{DOMAIN}")
    page.locator("#password").fill(demo["password"])
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(f"{live_server}/board/")  # the board's home is the dashboard
    ranking = page.locator("table.ranking")
    expect(ranking).to_be_visible()
    teams = ranking.locator("tbody tr")
    assert teams.count() >= 2
    # Team names link to the team's offer and its statement.
    first = teams.first.locator("th a").first
    assert re.fullmatch(r"/teams/\d+/offer", first.get_attribute("href"))
    assert "/statement" in teams.first.locator("th a").nth(1).get_attribute("href")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    for i in range(2):
        chart_id = charts.nth(i).get_attribute("aria-labelledby").split()[0]
        assert page.locator(f"[id='{chart_id}']").text_content().strip()  # each chart has its title
    assert serious_violations(page) == []
    assert not scrolls_sideways(page)
    screenshot(page, "desktop")

    # Change the period: this year, by the form.
    lead = page.locator("p.lead").text_content()
    page.locator("#date_from").fill("2026-01-01")
    page.locator("#date_to").fill("2026-12-31")
    page.get_by_role("button", name=re.compile(r"^(Tonen|Show)$")).click()
    page.wait_for_url(re.compile(r"date_from=2026-01-01&date_to=2026-12-31"))
    expect(page.locator("p.lead")).not_to_have_text(lead)
    expect(page.locator("#ranking-caption")).to_contain_text("2026")
    page.locator("figure.chart-figure").first.screenshot(
        path=str(screenshot(page, "year").with_name("test_the_board_reads_the_competition_dashboard-chart-desktop.png")))

    # A period that ends before it starts: a message next to the field, the page still usable.
    page.locator("#date_from").fill("2026-12-31")
    page.locator("#date_to").fill("2026-01-01")
    page.get_by_role("button", name=re.compile(r"^(Tonen|Show)$")).click()
    expect(page.locator("#date_to-error")).to_be_visible()
    expect(page.locator("#date_to")).to_have_attribute("aria-invalid", "true")

    page.get_by_role("link", name=re.compile(r"^(Dit jaar|This year)$")).click()
    expect(page.locator("svg.chart")).to_have_count(2)
    page.set_viewport_size(PHONE)
    assert serious_violations(page) == []
    assert not scrolls_sideways(page), "the dashboard scrolls sideways at 390 px"
    page.locator("figure.chart-figure").first.scroll_into_view_if_needed()
    path = screenshot(page, "phone")
    page.locator("figure.chart-figure").first.screenshot(
        path=str(path.with_name("test_the_board_reads_the_competition_dashboard-chart-phone.png")))
    page.set_viewport_size(DESKTOP)


def euro_cents(text: str) -> int:
    """"€ 12.345,67" or "€ -1.234,50" → cents."""
    digits = text.replace("€", "").replace("\xa0", "").replace(" ", "").replace(".", "").replace(",", "")
    return int(digits.replace("−", "-"))


def test_the_board_tries_wages_plus_five_percent(page: Page, live_server: str, demo, screenshot):
    """The scenario part (H6's scenario tool): wages +5 % beside today, the result changes."""
    page.goto(f"{live_server}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(f"bestuur@{DOMAIN}")
    page.locator("#password").fill(demo["password"])
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(f"{live_server}/board/")
    page.goto(f"{live_server}/board/scenarios")
    page.locator("#wage_pct").fill("5")
    page.locator("button[name=action][value=show]").click()
    table = page.locator("#preview-total-table")
    expect(table).to_be_visible()
    rows = {row.locator("th").text_content().strip(): [euro_cents(c.text_content()) if "€" in c.text_content()
                                                         else None for c in row.locator("td").all()]
            for row in table.locator("tbody tr").all()}
    staffing = rows.get("Personeelskosten") or rows["Staffing cost"]
    result = rows.get("Resultaat") or rows["Result"]
    today, scenario, difference = staffing
    assert today > 0 and scenario > today and difference == scenario - today
    assert abs(difference * 100 - today * 5) <= 100 * 50  # +5 % (each team rounded to whole cents)
    assert result[1] < result[0]  # higher wages: a lower result
    assert serious_violations(page) == []
    screenshot(page, "wages-plus-5")
