"""The board's staffing, budget and scenarios in a real Chromium (issue 14): the board opens a
scenario with wages +5 %, sees the result change beside today, saves it, and sees the staffing
page with the presence norms; screenshots at desktop width and at 390 px; axe (WCAG 2.1 AA)
without serious or critical violations, and no sideways scrolling on a phone.

The pages are used in English, so the test does not depend on the Dutch catalogue of new strings.
"""
from __future__ import annotations

import re

from tests.browser.test_family_journey import PHONE, _serious_violations, has_horizontal_scroll
from tests.browser.test_team_choice import in_english

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

DESKTOP = {"width": 1280, "height": 800}


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(board/)?$"))  # the board's home is its dashboard


def check(page: Page, screenshot, step: str) -> None:
    """axe and a screenshot at desktop width and at 390 px; no sideways scroll on the phone."""
    page.set_viewport_size(DESKTOP)
    problems = {"desktop": _serious_violations(page)}
    screenshot(page, f"{step}-desktop")
    page.set_viewport_size(PHONE)
    problems["phone"] = _serious_violations(page)
    screenshot(page, f"{step}-phone")
    assert not has_horizontal_scroll(page), f"{step} scrolls sideways at 390 px"
    page.set_viewport_size(DESKTOP)
    assert problems == {"desktop": [], "phone": []}, step


def test_the_board_tries_wages_plus_five_percent_and_saves_it(page: Page, live_server: str, demo, screenshot):
    base = live_server
    log_in(page, base, "bestuur@delinde.demo", demo["password"])
    in_english(page)
    page.get_by_role("link", name="Staffing and budget").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staffing from the packages")
    expect(page.get_by_text("there are no rosters")).to_be_visible()
    check(page, screenshot, "staffing")

    page.get_by_role("link", name="Budget", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The organisation's budget")
    check(page, screenshot, "budget")

    page.get_by_role("link", name="Scenarios", exact=True).click()
    page.get_by_label("Wages (change in %)").fill("5")
    page.get_by_role("button", name="Show beside today").click()
    total = page.locator("#preview-total-table")
    staffing = total.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Staffing cost"))
    cells = staffing.get_by_role("cell")
    today, scenario, difference = (cells.nth(i).inner_text() for i in range(3))
    assert today != scenario and difference.startswith("€") and difference != "€0.00", (today, scenario, difference)
    check(page, screenshot, "scenario")

    page.get_by_label("Name (to save the scenario)").fill("Wages +5 %")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scenario “Wages +5 %”")
    expect(page.get_by_text("Wages: +5.0 %")).to_be_visible()

    # The same name again: a clear message next to the field, nothing saved.
    page.get_by_role("link", name="Scenarios", exact=True).click()
    page.get_by_label("Wages (change in %)").fill("6")
    page.get_by_label("Name (to save the scenario)").fill("Wages +5 %")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.locator("#name-error")).to_contain_text("There is a scenario with this name already")
    expect(page.get_by_role("link", name="Wages +5 %")).to_have_count(1)
    check(page, screenshot, "name-taken")
