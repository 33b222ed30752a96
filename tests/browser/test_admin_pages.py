"""The administrator runs the organisation in a real Chromium (issue 10, item 10): a settings value
out of range is refused next to its field and nothing is saved; a valid one shows in the history.
Every admin page passes axe (WCAG 2.1 AA: no serious or critical violation) at desktop width and
at 390 px, without scrolling sideways; screenshots of each."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from billing.models import CopayInvoice, Payment
from care.models import StaffLevel, StaffLevelRate
from marketplace.accounts.models import OrganisationSetting
from marketplace.core.db_types import local_today
from tests.browser.test_family_journey import PHONE, _serious_violations, has_horizontal_scroll, log_in

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

DESKTOP = {"width": 1280, "height": 800}


def _seed(world, db) -> None:
    """A payment with its invoice, and an hourly cost not yet in effect (so the catalogue offers a correction)."""
    invoice = CopayInvoice(organisation_id=world.org.id, client_id=world.own.id, month=date(2026, 10, 1),
                           amount_cents=1790)
    db.session.add(Payment(organisation_id=world.org.id, client_id=world.own.id, invoice=invoice,
                           payer_id=world.users["family"].id, amount_cents=1790))
    level = db.session.scalar(select(StaffLevel).where(StaffLevel.organisation_id == world.org.id,
                                                       StaffLevel.code == "N3"))
    db.session.add(StaffLevelRate(staff_level_id=level.id, base_hourly_cents=4200,
                                  valid_from=local_today() + timedelta(days=30)))
    db.session.commit()


def test_admin_settings_refuse_bad_input_and_keep_history(page: Page, live_server: str, priced_world, db,
                                                         screenshot):
    base, world = live_server, priced_world
    log_in(page, base, world.email("admin"))
    page.get_by_role("link", name="Organisatie").click()
    expect(page).to_have_url(f"{base}/admin/settings")

    page.get_by_label("Oranje vanaf").fill("95")
    page.get_by_label("Rood boven").fill("90")
    page.get_by_role("button", name="Wijziging opslaan").click()
    error = page.locator("#red_above_pct-error")
    expect(error).to_contain_text("Rood moet hoger beginnen dan oranje")
    expect(page.get_by_label("Rood boven")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Oranje vanaf")).to_have_value("95")  # what was typed stays
    screenshot(page, "refused")
    assert db.session.scalar(select(func.count()).select_from(OrganisationSetting)) == 0

    start = (local_today() + timedelta(days=7)).isoformat()
    page.get_by_label("Rood boven").fill("110")
    page.get_by_label("Opslag overhead (%)").fill("22")
    page.get_by_label("Vanaf", exact=True).fill(start)
    page.get_by_role("button", name="Wijziging opslaan").click()
    expect(page.locator(".flash-success")).to_contain_text(start)
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("110 %")
    expect(row).to_contain_text("22 %")
    expect(row.get_by_role("button", name=re.compile("^Intrekken"))).to_be_visible()
    screenshot(page, "saved")


def test_admin_pages_have_no_serious_accessibility_violations(page: Page, live_server: str, priced_world, db,
                                                               screenshot):
    base, world = live_server, priced_world
    _seed(world, db)
    log_in(page, base, world.email("admin"))
    pages = {
        "settings": "/admin/settings", "users": "/admin/users", "user": f"/admin/users/{world.users['carer'].id}",
        "teams": "/admin/teams", "team": f"/admin/teams/{world.team.id}", "locations": "/admin/locations",
        "location": f"/admin/locations/{world.own.location_id}", "catalogue": "/admin/catalogue",
        "money": "/admin/billing", "audit": "/admin/audit?name=admin",
    }
    problems = {}
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        for name, path in pages.items():
            page.goto(base + path)
            expect(page.locator("h1")).to_be_visible()
            found = _serious_violations(page)
            if width == "phone" and has_horizontal_scroll(page):
                found.append("scrolls sideways at 390 px")
            if found:
                problems[f"{name} {width}"] = found
            screenshot(page, f"{name}-{width}")
    assert problems == {}
