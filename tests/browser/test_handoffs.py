"""Hand-offs in a real Chromium (issue 10): a family member proposes a change, a carer is notified
(the bell), opens it and takes it over, submits it; the nurse signs it off with the meter before and
after; the family sees the notification and the new co-payment. Each page is scanned with axe
(WCAG 2.1 AA and 2.2 AA's target size, as the sweep does) at desktop and phone width.

Numbers: the worked example of DOMAIN.md §4 (5VV, budget € 885,60, health € 228,90). The active
package has the green core lines (C = 51380, 83.9 %); the family proposes the red ones (C04×7,
C07×10, C08×5: C = 67460, 102.0 %), a co-payment of € 17,90 a week.
"""
from __future__ import annotations

import re

from sqlalchemy import update

from care import packages
from care.lines import LineInput
from marketplace.accounts.notifications import Notification
from marketplace.core.db_types import utcnow
from marketplace.core.extensions import db
from tests.browser.test_accessibility_sweep import serious_violations, small_header_targets
from tests.browser.test_family_journey import PHONE, has_horizontal_scroll
from tests.health_basis import record_risks
from tests.integration.test_settlement import seed_savings

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
HEALTH = {"H01": 21, "H04": 14, "H10": 14}
GREEN_CORE = {"C01": 7, "C02": 2, "C03": 7, "C07": 8, "C08": 3}
PROPOSED = {"C04": 7, "C07": 10, "C08": 5}


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/")


def active_package(world) -> None:
    nurse = world.users["nurse"]
    record_risks(world.own, nurse)
    packages.save_version(nurse, world.own, [LineInput(c, n) for c, n in {**HEALTH, **GREEN_CORE}.items()], False,
                          "eerste pakket")
    number = packages.submit_draft(nurse, world.own).number
    packages.sign_off(nurse, world.own, number)
    # The family has read the notification of this first package.
    db.session.execute(update(Notification).values(read_at=utcnow()))
    db.session.commit()


class Axe:
    """axe on each page touched, at desktop width and at 390 px (where the page must not scroll
    sideways either); violations collected per page, a screenshot at phone width of each."""

    def __init__(self, screenshot):
        self.problems: dict[str, list[str]] = {}
        self.screenshot = screenshot

    def scan(self, page: Page, name: str) -> None:
        desktop = page.viewport_size
        self.problems[name] = serious_violations(page) + small_header_targets(page)
        page.set_viewport_size(PHONE)
        phone = serious_violations(page) + small_header_targets(page)
        if has_horizontal_scroll(page):
            phone.append("the page scrolls sideways at 390 px")
        self.problems[f"{name} (390 px)"] = phone
        self.screenshot(page, "phone-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
        page.set_viewport_size(desktop)


def bell(page: Page):
    return page.locator("a.bell")


def test_family_proposes_carer_takes_over_nurse_signs_family_sees_the_copay(
        browser, browser_context_args, live_server: str, health_world, screenshot):
    base, resident = live_server, health_world.own
    seed_savings(health_world, resident, 5000)
    active_package(health_world)
    axe = Axe(screenshot)
    contexts = {who: browser.new_context(**browser_context_args) for who in ("family", "carer", "nurse")}
    try:
        family, carer, nurse = (contexts[who].new_page() for who in ("family", "carer", "nurse"))

        # The family member proposes a change in the composer.
        log_in(family, base, health_world.email("family"))
        family.goto(f"{base}/clients/{resident.id}")
        family.get_by_role("link", name="Wijziging voorstellen").click()
        for code, per_week in PROPOSED.items():
            family.locator(f"#n_{code}").fill(str(per_week))
        family.get_by_label("Waarom deze wijziging?").fill("Moeder wil vaker naar de huiskamer")
        family.get_by_role("button", name="Voorstel opslaan").click()
        expect(family.locator(".flashes")).to_contain_text("Uw voorstel is verstuurd")
        sent = family.locator("section.proposal-sent")
        expect(sent).to_contain_text("Voorstel verstuurd, wacht op het team")
        screenshot(family, "family-proposal-sent")
        axe.scan(family, "composer with the family's proposal")
        family.goto(f"{base}/clients/{resident.id}/budget")
        waiting = family.locator("li.proposal-proposal")
        expect(waiting).to_contain_text("Voorstel verstuurd, wacht op het team")
        expect(waiting).to_contain_text("102,0")
        expect(waiting).to_contain_text(re.compile(r"bijbetaling €\s17,90 per week"))
        axe.scan(family, "budget page with the proposal")

        # The carer sees the bell, opens the notification, and takes the proposal over.
        log_in(carer, base, health_world.email("carer"))
        expect(bell(carer).locator(".count")).to_have_text("1")
        screenshot(carer, "carer-bell")
        bell(carer).click()
        note = carer.locator("li.notification").filter(has_text="stelt een wijziging voor")
        expect(note).to_contain_text(health_world.users["family"].name)
        expect(note).to_contain_text(resident.name)
        axe.scan(carer, "notifications")
        note.get_by_role("button", name=re.compile(r"^Openen")).click()
        banner = carer.locator("section.card.proposal")
        expect(banner).to_contain_text(f"van {health_world.users['family'].name}")
        expect(carer.locator("#n_C07")).to_have_value("10")
        screenshot(carer, "carer-opens-proposal")
        axe.scan(carer, "composer with the proposal opened")
        carer.goto(f"{base}/teams/{health_world.team.id}/reviews")
        expect(carer.locator("table.worklist-proposals")).to_contain_text(resident.name)
        axe.scan(carer, "team worklist")
        carer.locator("table.worklist-proposals").get_by_role("link").first.click()
        carer.get_by_role("button", name="Overnemen zoals voorgesteld").click()
        taken = carer.locator(".flashes")
        expect(taken).to_contain_text(re.compile(r"Voorstel \d+ is overgenomen als versie \d+\."))
        number = int(re.search(r"als versie (\d+)", taken.inner_text()).group(1))
        expect(carer.locator("#n_C07")).to_have_value("10")
        carer.get_by_role("button", name="Ter goedkeuring naar de verpleegkundige sturen").click()
        expect(carer.locator(".flashes")).to_contain_text(f"Versie {number} is ter goedkeuring")
        screenshot(carer, "carer-submitted")

        # The nurse checks the meter before → after and signs off.
        log_in(nurse, base, health_world.email("nurse"))
        nurse.goto(f"{base}/clients/{resident.id}/package/versions")
        axe.scan(nurse, "versions")
        nurse.get_by_role("link", name=f"Versie {number} controleren en goedkeuren").click()
        expect(nurse.get_by_role("heading", level=1)).to_have_text(f"Versie {number} goedkeuren")
        effect = nurse.locator("table.before-after")
        expect(effect.locator("tr").filter(has_text="Budgetmeter")).to_contain_text(re.compile(r"83,9.*102,0", re.S))
        expect(effect.locator('tr[data-row="copay_cents"]')).to_contain_text(re.compile(r"€\s0,00.*€\s17,90", re.S))
        expect(nurse.locator("section").filter(has=nurse.get_by_role("heading", name="Gezondheidsrisico's die dit "
                                                                                     "pakket dekt"))
               ).to_contain_text("H01")
        screenshot(nurse, "nurse-sign-off-before-after")
        axe.scan(nurse, "sign-off page")
        nurse.locator("form.sign-off").get_by_role("button", name="Goedkeuren en actief maken").click()
        expect(nurse.locator(".flashes")).to_contain_text(f"Versie {number} is actief vanaf")

        # The family is told (bell), reads the weekly effect, and sees the new co-payment.
        family.goto(f"{base}/")
        expect(bell(family).locator(".count")).to_have_text("2")  # taken over, signed off
        bell(family).click()
        signed = family.locator("li.notification.unread").filter(has_text="is goedgekeurd")
        expect(signed).to_contain_text(re.compile(r"Bijbetaling per week: €\s0,00 → €\s17,90"))
        expect(signed).to_contain_text(re.compile(r"spaartegoed \(€\s50,00\) kan dat eerst betalen"))
        expect(family.locator("li.notification.unread").filter(has_text="overgenomen")).to_have_count(1)
        screenshot(family, "family-notifications")
        signed.get_by_role("button", name=re.compile(r"^Openen")).click()
        expect(family).to_have_url(re.compile(rf"/clients/{resident.id}/budget"))
        expect(family.locator("section.meter [data-field='copay_cents']")).to_have_text(re.compile(r"€\s17,90"))
        offer = family.locator("section.savings-offer")
        expect(offer).to_contain_text(re.compile(r"spaartegoed \(nu €\s50,00\)"))
        expect(family.locator("li.proposal-taken_over")).to_contain_text("Overgenomen door")
        screenshot(family, "family-new-copay")
        axe.scan(family, "budget page after sign-off")

        # The family takes the offer: savings pay the € 17,90 first, no co-payment is left.
        offer.get_by_role("button", name="Eerst het spaartegoed gebruiken").click()
        expect(family.locator(".flashes")).to_contain_text("Vanaf nu betaalt het spaartegoed eerst")
        expect(family.locator("section.meter [data-field='copay_cents']")).to_have_text(re.compile(r"€\s0,00"))
        expect(family.locator("section.meter [data-field='from_savings_cents']")).to_have_text(
            re.compile(r"€\s17,90"))
        expect(family.locator("section.savings-offer")).to_have_count(0)
        screenshot(family, "family-uses-savings")
        family.locator("li.proposal-taken_over").get_by_role("link").click()
        expect(family.locator("p.notice")).to_contain_text("overgenomen door het team")
        axe.scan(family, "the proposal's version page")
        assert {page: found for page, found in axe.problems.items() if found} == {}
    finally:
        for context in contexts.values():
            context.close()
