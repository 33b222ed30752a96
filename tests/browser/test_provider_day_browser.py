"""The provider's day in a real Chromium (issue 12, item 5): the team lead opens the day on a phone,
sees the resident's first name, room, extra and the family's notes, marks the booking delivered;
the printed page leaves the buttons out. With an axe scan and screenshots."""
from __future__ import annotations

import re
from datetime import timedelta

from marketplace.core.db_types import local_today
from tests.browser.test_accessibility_sweep import serious_violations
from tests.integration.test_extra_bookings_core import make_extra
from tests.integration.test_provider_day import confirmed, local_start

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(f"{base}/")


def test_the_team_lead_marks_yesterdays_outing_delivered_on_a_phone(page: Page, live_server: str, app, client,
                                                                     world, screenshot):
    world.own.room = "12b"
    extra = make_extra(world, seats=4)
    day = local_today() - timedelta(days=1)
    booking_id = confirmed(app, client, world, extra, local_start(day, 14), notes="Graag rolstoel mee")
    page.set_viewport_size(PHONE)
    log_in(page, live_server, world.users["team_lead"].email)
    page.goto(f"{live_server}/providers/{extra.provider_id}/day?date={day.isoformat()}")
    card = page.locator(f"#booking-{booking_id}")
    expect(card).to_contain_text("14:00")
    expect(card).to_contain_text("Eigen")
    expect(card).to_contain_text("12b")
    expect(card).to_contain_text("Begeleid uitje")
    expect(card).to_contain_text("Graag rolstoel mee")
    assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth + 1")
    assert serious_violations(page) == []
    screenshot(page, "phone")

    card.get_by_role("button", name=re.compile(r"^(Geleverd|Delivered)$")).click()
    expect(page).to_have_url(re.compile(rf"/providers/{extra.provider_id}/day\?date={day.isoformat()}$"))
    card = page.locator(f"#booking-{booking_id}")
    expect(card).to_contain_text(re.compile(r"geleverd|delivered"))
    expect(card.get_by_role("button", name=re.compile(r"^(Geleverd|Delivered)$"))).to_have_count(0)
    assert serious_violations(page) == []
    screenshot(page, "delivered")

    page.emulate_media(media="print")
    expect(page.locator(".day-nav")).to_be_hidden()
    expect(card).to_be_visible()
    screenshot(page, "print")
