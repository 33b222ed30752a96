"""Choosing a team in a real Chromium (issue 11): a family member compares three teams side by side,
chooses one and sees the Monday it takes effect; another family finds that team full, joins its
waiting list and sees its position; a place opens and that family accepts the offer. Screenshots
at each step, axe (WCAG 2.1 AA) at desktop width and at 390 px without serious or critical
violations, and no sideways scrolling on a phone.

The pages are used in English, so the test does not depend on the Dutch catalogue of new strings.
"""
from __future__ import annotations

import re

from babel.dates import format_date

from marketplace.core.db_types import local_today
from marketplace.core.extensions import db
from marketplace.core.roles import Role
from marketplace.market.domain import next_monday
from tests.browser.test_family_journey import PHONE, _serious_violations, has_horizontal_scroll, log_in
from tests.factories import add_contact, add_member, make_client, make_team, make_user

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None


def in_english(page: Page) -> None:
    if page.locator("html").get_attribute("lang") != "en":  # the choice outlives a logout
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def check_accessible(page: Page, where: str) -> None:
    """axe at desktop width and at 390 px; and no sideways scroll on the phone."""
    problems = {"desktop": _serious_violations(page)}
    page.set_viewport_size(PHONE)
    problems["phone"] = _serious_violations(page)
    assert not has_horizontal_scroll(page), f"{where} scrolls sideways at 390 px"
    page.set_viewport_size({"width": 1280, "height": 800})
    assert problems == {"desktop": [], "phone": []}, where


def test_compare_choose_wait_and_accept_an_offered_place(page: Page, live_server: str, world, screenshot):
    base, own = live_server, world.own
    location = own.location
    third = make_team(world.org, location, "Team Linde", capacity=2)
    make_client(world.org, location, third, "Bewoner Linde")  # one place left
    lead = make_user(world.org, Role.TEAM_LEAD, email="lead-linde@a.test", name="Leider Linde")
    add_member(third, lead, "team_lead", "N4")
    neighbour = make_client(world.org, location, world.team, "Buurvrouw")
    neighbour_family = make_user(world.org, Role.FAMILY, email="buren@a.test", name="Familie Buren")
    add_contact(neighbour, neighbour_family, view=True, decide=True)
    db.session.commit()
    monday = next_monday(local_today())
    # English in the Netherlands' order: "7 December 2026" (issue 10).
    shown_monday = format_date(monday, "d MMMM y", locale="en")

    # 1. A family member compares the three teams serving the resident, side by side.
    log_in(page, base, world.users["family"].email)
    in_english(page)
    page.goto(f"{base}/clients/{own.id}")
    page.get_by_role("link", name="Choose a team").click()
    expect(page).to_have_url(f"{base}/clients/{own.id}/teams")
    cards = page.locator(".compare > .card")
    expect(cards).to_have_count(3)
    expect(cards.filter(has_text=world.team.name)).to_contain_text("current team")
    expect(cards.filter(has_text=third.name)).to_contain_text("Open places")
    screenshot(page, "compare")
    check_accessible(page, "team options")

    # 2. It chooses Team Linde: the Monday it takes effect is shown before confirming.
    page.get_by_role("link", name=f"Choose {third.name}").click()
    expect(page.locator("#effective-from")).to_contain_text(shown_monday)
    screenshot(page, "confirm")
    check_accessible(page, "confirmation")
    page.get_by_role("button", name=re.compile(f"^Confirm: {third.name}")).click()
    expect(page).to_have_url(f"{base}/clients/{own.id}/teams")
    expect(page.get_by_role("status")).to_contain_text("It takes effect on Monday")
    expect(page.get_by_role("heading", name=f"Chosen: {third.name}")).to_be_visible()
    expect(page.locator("#pending-title + p")).to_contain_text(shown_monday)
    screenshot(page, "chosen")
    page.get_by_role("button", name="Log out").click()

    # 3. Another family finds Team Linde full, joins its waiting list and sees its position.
    log_in(page, base, neighbour_family.email)
    in_english(page)
    page.goto(f"{base}/clients/{neighbour.id}/teams")
    full = page.locator(".compare > .card").filter(has_text=third.name)
    expect(full).to_contain_text("full")
    expect(full.get_by_role("link", name=f"Choose {third.name}")).to_have_count(0)
    full.get_by_role("button", name=f"Join the waiting list of {third.name}").click()
    expect(page.get_by_role("status")).to_contain_text("is on the waiting list")
    expect(page.locator("#waiting-title + ul")).to_contain_text("number 1 on the list, 0 ahead")
    screenshot(page, "waiting")
    check_accessible(page, "waiting list")

    # 4. A place opens (the team grows): the first family on the list is offered it and accepts.
    third.capacity = 3
    db.session.commit()
    page.reload()
    offer = page.get_by_role("heading", name=f"A place in {third.name} is offered")
    expect(offer).to_be_visible()
    screenshot(page, "offered")
    check_accessible(page, "offer")
    page.get_by_role("button", name="Accept the place").click()
    expect(page.get_by_role("status")).to_contain_text(f"You accepted the place in {third.name}")
    expect(page.get_by_role("heading", name=f"Chosen: {third.name}")).to_be_visible()
    expect(page.locator("#waiting-title")).to_have_count(0)
    screenshot(page, "accepted")
