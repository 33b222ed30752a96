"""Issue 13's journey in a real Chromium, on the demo data (the accounts a tester uses).

zzp2 (Yara, approved by De Linde but not onboarded; home team Team Vlinder) sees that families
cannot book her yet, onboards in demo mode: the local page plays Stripe's onboarding and sends a
signed ``account.updated`` through the real Connect endpoint handling; stopping halfway shows what
Stripe still needs, completing makes her bookable. She publishes an extra (a price below the
organisation's minimum refused first, nothing saved). familie1 finds it in the market, books and
pays it in the demo checkout (a destination charge to her account); the payment event confirms
it and books DOMAIN.md §7's shares: 4080 → fee 204 / home team 612 / freelancer 3264. Yara is
told of the booking and sees it on her day list and her earnings on the dashboard; the lead of
Team Vlinder (teamleider3) sees the home team's share. Every page of issue 13 passes axe (no
serious or critical violation) at desktop width and at 390 px without scrolling sideways.
Screenshots of every step in test-artifacts/screenshots/.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from billing.domain import AccountKind, account_key
from billing.ledger import balance_of
from billing.models import JournalEntry, Payment, WebhookEvent
from marketplace.core.db_types import LOCAL_ZONE
from marketplace.market.models import Booking, Extra, Freelancer, Provider
from marketplace.accounts.models import User
from tests.browser.test_accessibility_sweep import (DESKTOP, DOMAIN, PHONE, log_in, serious_violations,
                                                    small_header_targets)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

TITLE = "Haren knippen op de kamer"
PRICE = "€ 40,80"
MONTH = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
         "november", "december")


def axe_both_widths(page: Page, name: str, problems: dict[str, list[str]]) -> None:
    """axe (WCAG 2.2 AA tags, as the sweep) and the header's target sizes at desktop width and at
    390 px; at 390 px nothing scrolls sideways. Leaves the page at phone width."""
    for width, size in (("desktop", DESKTOP), ("390px", PHONE)):
        page.set_viewport_size(size)
        found = serious_violations(page) + small_header_targets(page)
        if page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth + 1"):
            found.append("the page scrolls sideways")
        problems[f"{name} ({width})"] = found


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(re.compile(r"/login"))


def test_a_freelancer_onboards_publishes_is_booked_and_paid_sees_it_and_her_earnings_and_the_home_team_its_share(
        page: Page, live_server: str, demo, db, screenshot):
    base, password = live_server, demo["password"]
    problems: dict[str, list[str]] = {}
    user = db.session.scalar(select(User).where(User.email == f"zzp2@{DOMAIN}"))
    yara = db.session.scalar(select(Freelancer).where(Freelancer.user_id == user.id))
    assert (yara.status, yara.stripe_account_id, yara.charges_enabled) == ("approved", None, False)
    freelancer_id, org_id, home_team_id = yara.id, yara.organisation_id, yara.home_team_id
    home_team = yara.home_team.name
    assert home_team == "Team Vlinder"
    fees, home = account_key(AccountKind.FEES), account_key(AccountKind.TEAM_BUDGET, home_team_id)
    before = (balance_of(org_id, fees), balance_of(org_id, home))
    db.session.commit()

    # 1. Not bookable yet: the profile says so.
    page.set_viewport_size(PHONE)
    log_in(page, base, f"zzp2@{DOMAIN}", password)
    page.get_by_role("link", name="Mijn zzp-profiel").click()
    expect(page).to_have_url(f"{base}/freelancers/me")
    state = page.locator("section[aria-labelledby=state-title]")
    expect(state).to_contain_text("goedgekeurd")
    expect(state).to_contain_text("nog niet ingesteld")
    expect(state).to_contain_text("Families kunnen je extra's nog niet boeken")
    axe_both_widths(page, "profile, not onboarded", problems)
    screenshot(page, "1-not-onboarded")

    # 2. Onboarding in demo mode: halfway first (Stripe still needs details), then completed.
    page.get_by_role("button", name="Betalingen instellen bij Stripe").click()
    expect(page).to_have_url(f"{base}/freelancers/me/demo-onboarding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo: aanmelden bij Stripe")
    axe_both_widths(page, "demo onboarding", problems)
    screenshot(page, "2-demo-onboarding")
    page.get_by_role("button", name="Halverwege stoppen (gegevens nog nodig)").click()
    expect(page).to_have_url(f"{base}/freelancers/me")
    state = page.locator("section[aria-labelledby=state-title]")
    expect(state).to_contain_text("Stripe heeft nog gegevens nodig")
    expect(state).to_contain_text("Stripe heeft nog nodig:")
    expect(state.locator("ul li")).to_have_count(2)
    screenshot(page, "3-details-still-needed")
    page.get_by_role("button", name="Verder bij Stripe").click()
    expect(page).to_have_url(f"{base}/freelancers/me/demo-onboarding")
    page.get_by_role("button", name="Aanmelding afronden").click()
    expect(page).to_have_url(f"{base}/freelancers/me")
    state = page.locator("section[aria-labelledby=state-title]")
    expect(state).to_contain_text("kan betalingen ontvangen")
    expect(state).to_contain_text("Families kunnen je extra's boeken.")
    expect(state.get_by_text("Stripe heeft nog nodig:")).to_have_count(0)
    axe_both_widths(page, "profile, onboarded", problems)
    screenshot(page, "4-onboarded")
    db.session.expire_all()
    yara = db.session.get(Freelancer, freelancer_id)
    account = yara.stripe_account_id
    assert account and yara.charges_enabled and yara.payouts_enabled and yara.requirements_due == []
    # Both updates came as signed events through the Connect endpoint's handling, kept once each.
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent).where(
        WebhookEvent.type == "account.updated", WebhookEvent.object_id == account)) == 2
    db.session.commit()

    # 3. She publishes an extra (a price below the minimum refused first, nothing saved).
    page.goto(f"{base}/")
    page.get_by_role("link", name="Uw extra’s en verdiensten").click()
    page.get_by_role("link", name="Uw extra’s", exact=True).click()
    expect(page).to_have_url(f"{base}/freelancers/me/extras")
    axe_both_widths(page, "own extras, none yet", problems)
    page.get_by_role("link", name="Een nieuwe extra aanbieden").click()
    expect(page).to_have_url(f"{base}/freelancers/me/extras/new")
    axe_both_widths(page, "new extra", problems)
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Dienst").select_option("F01")
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Beschrijving").fill("Wassen, knippen en föhnen, op de eigen kamer.")
    page.get_by_label("Prijs (euro)").fill("0,20")
    page.get_by_label("Duur (minuten)").fill("45")
    for row, weekday in enumerate(range(7)):  # every day, 10:00–16:00: a free slot soon, whenever this runs
        page.locator(f"#pattern-{row}-weekday").select_option(str(weekday))
        page.locator(f"#pattern-{row}-start").fill("10:00")
        page.locator(f"#pattern-{row}-end").fill("16:00")
    page.get_by_role("button", name="Extra opslaan").click()
    expect(page.locator("#price-error")).to_contain_text("minstens € 0,50")
    expect(page.get_by_label("Titel")).to_have_value(TITLE)
    assert db.session.scalar(select(Extra.id).where(Extra.title == TITLE)) is None
    db.session.commit()
    axe_both_widths(page, "new extra, refused price", problems)
    screenshot(page, "5-refused-price")
    page.get_by_label("Prijs (euro)").fill("40,80")
    page.get_by_role("button", name="Extra opslaan").click()
    expect(page).to_have_url(f"{base}/freelancers/me/extras")
    expect(page.get_by_text(f"De extra {TITLE} is opgeslagen.")).to_be_visible()
    expect(page.locator("table")).to_contain_text(PRICE)
    axe_both_widths(page, "own extras", problems)
    screenshot(page, "6-published")
    extra = db.session.scalar(select(Extra).where(Extra.title == TITLE))
    extra_id, provider_id = extra.id, extra.provider_id
    assert db.session.get(Provider, provider_id).freelancer_id == freelancer_id
    db.session.commit()
    log_out(page)

    # 4. A family finds it in the market, books and pays it in the demo checkout.
    log_in(page, base, f"familie1@{DOMAIN}", password)
    page.get_by_role("link", name="Extra's").first.click()
    page.get_by_label("Categorie").select_option("pamper")
    page.get_by_role("button", name="Tonen").click()
    card = page.locator(".extra-card").filter(has_text=TITLE)
    expect(card).to_contain_text(PRICE)
    expect(card).to_contain_text("Yara")
    card.get_by_role("link", name=TITLE).click()
    expect(page.locator("p.meta").first).to_contain_text("aangeboden door Yara")
    start = page.locator("input[name=start]").first.get_attribute("value")
    page.locator(f"input[name=start][value='{start}']").check()
    screenshot(page, "7-family-books")
    page.get_by_role("button", name="Boeken en betalen").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/billing/demo-checkout/cs_demo_[\w-]+$"))
    expect(page.get_by_text(PRICE).first).to_be_visible()
    screenshot(page, "8-demo-checkout")
    page.get_by_role("button", name="Betalen", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/bookings/\d+$"))
    booking_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", level=2).first).to_contain_text("bevestigd")
    expect(page.locator("p.lead")).to_contain_text("Yara")
    screenshot(page, "9-confirmed")
    booking = db.session.get(Booking, booking_id)
    assert (booking.status, booking.extra_id, booking.price_cents) == ("confirmed", extra_id, 4080)
    payment = db.session.get(Payment, booking.payment_id)
    # A destination charge to her account; the fee and the home team's share stay with the platform.
    assert (payment.destination_account, payment.application_fee_cents) == (account, 204 + 612)
    assert (balance_of(org_id, fees) - before[0], balance_of(org_id, home) - before[1],
            balance_of(org_id, account_key(AccountKind.FREELANCER, freelancer_id))) == (204, 612, 3264)
    booked_on = db.session.scalar(select(func.max(JournalEntry.booked_on)))  # the payment's entry
    month = f"{MONTH[booked_on.month - 1]} {booked_on.year}"
    db.session.commit()
    log_out(page)

    # 5. The freelancer is told, sees the booking on her day list, and her earnings.
    log_in(page, base, f"zzp2@{DOMAIN}", password)
    page.get_by_role("link", name="Meldingen").click()
    moment = datetime.fromisoformat(start).astimezone(LOCAL_ZONE)
    page.locator("li.notification").filter(
        has_text=f"Nieuwe boeking: {TITLE} voor Johanna op {moment.strftime('%d-%m-%Y %H:%M')}.") \
        .get_by_role("button", name="Openen").click()
    day = moment.date()
    expect(page).to_have_url(f"{base}/providers/{provider_id}/day?date={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Boekingen van Yara")
    line = page.locator(f"#booking-{booking_id}")
    expect(line).to_contain_text(TITLE)
    expect(line).to_contain_text("Johanna, kamer 101")
    expect(line).to_contain_text("betaald en bevestigd")
    axe_both_widths(page, "freelancer's day", problems)
    screenshot(page, "10-freelancer-day")

    page.goto(f"{base}/")
    page.get_by_role("link", name="Uw extra’s en verdiensten").click()
    expect(page).to_have_url(f"{base}/freelancer/dashboard")
    days = page.locator("section[aria-labelledby=days-heading]")
    expect(days.get_by_role("link", name=re.compile(rf"^{day.day} "))).to_be_visible()
    row = page.locator("table.history-table tbody tr").filter(has_text=month)
    # The demo had nothing of hers: this month is exactly the one booking.
    expect(row.locator("td").nth(0)).to_have_text(PRICE)
    expect(row.locator("td").nth(1)).to_have_text("€ 2,04")
    expect(row.locator("td").nth(2)).to_have_text("€ 6,12")
    expect(row.locator("td").nth(3)).to_have_text("€ 32,64")
    axe_both_widths(page, "freelancer dashboard", problems)
    screenshot(page, "11-earnings")
    log_out(page)

    # 6. The lead of her home team sees the share Yara brought in.
    log_in(page, base, f"teamleider3@{DOMAIN}", password)
    page.get_by_role("link", name="Extra's").first.click()
    page.get_by_role("link", name=f"Extra's van {home_team}").click()
    page.get_by_role("link", name=f"Zzp’ers met {home_team} als thuisteam").click()
    expect(page).to_have_url(f"{base}/teams/{home_team_id}/freelancers")
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name="Yara"))
    expect(card).to_contain_text(f"{TITLE} · {PRICE}")
    share = card.locator("tbody tr").filter(has_text=month)
    expect(share.locator("td")).to_have_text("€ 6,12")
    axe_both_widths(page, "home team's freelancers", problems)
    screenshot(page, "12-home-team-share")

    assert {name: found for name, found in problems.items() if found} == {}
