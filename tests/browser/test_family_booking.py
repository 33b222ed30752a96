"""A family member pays a held booking of an extra in the demo checkout, sees it confirmed (by the
signed event, not the browser's return), then cancels it more than 24 hours ahead and sees the
refund, which the policy showed before the cancellation was confirmed. The booking pages pass axe
at phone width. The interface is Dutch by default."""
from __future__ import annotations

import re

from sqlalchemy import select

from billing.domain import AccountKind, account_key
from billing.ledger import balance_of
from marketplace.market import bookings
from marketplace.market.models import Booking
from tests.browser.test_accessibility_sweep import PHONE, serious_violations
from tests.integration.test_extra_bookings_core import make_extra, slot

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
PRICE = "€ 40,80"


def test_family_pays_a_booking_sees_it_confirmed_and_cancels_with_the_refund(page: Page, live_server: str, app,
                                                                            world, db, screenshot):
    base = live_server
    extra = make_extra(world)
    with app.test_request_context():
        booking = bookings.book(world.users["family"], extra_id=extra.id, client_id=world.own.id, start=slot(3),
                                notes="Graag met rolstoel")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(world.email("family"))
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/")

    page.goto(f"{base}/clients/{world.own.id}/bookings")
    page.get_by_role("link", name="Begeleid uitje").click()
    expect(page).to_have_url(f"{base}/bookings/{booking.id}")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("wacht op betaling")
    expect(page.get_by_role("timer")).to_contain_text(re.compile(r"nog (29|30):\d\d minuten"))
    assert serious_violations(page) == []
    screenshot(page, "held")

    page.get_by_role("button", name=f"Betaal {PRICE}").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/billing/demo-checkout/cs_demo_[\w-]+$"))
    page.get_by_role("button", name="Betalen", exact=True).click()

    # Back on the booking: confirmed, because the signed event booked the payment.
    expect(page).to_have_url(f"{base}/bookings/{booking.id}")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("bevestigd")
    expect(page.get_by_text(f"krijgt u de volledige {PRICE} terug")).to_be_visible()
    assert serious_violations(page) == []
    screenshot(page, "confirmed")
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 3672

    page.get_by_role("link", name="Betaalbewijs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betaalbewijs")
    expect(page.locator("dl")).to_contain_text(PRICE)
    screenshot(page, "receipt")
    page.go_back()

    page.get_by_label("Reden (niet verplicht)").fill("Toch een familiebezoek")
    page.get_by_role("button", name="Boeking annuleren").click()
    expect(page).to_have_url(f"{base}/bookings/{booking.id}")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("geannuleerd en terugbetaald")
    expect(page.get_by_text(f"Teruggestort: {PRICE}.")).to_be_visible()
    expect(page.get_by_role("button", name="Boeking annuleren")).to_have_count(0)
    screenshot(page, "refunded")
    db.session.expire_all()
    assert db.session.scalar(select(Booking.status).where(Booking.id == booking.id)) == "refunded"
    assert balance_of(world.org.id, account_key(AccountKind.TEAM_BUDGET, world.team.id)) == 0
