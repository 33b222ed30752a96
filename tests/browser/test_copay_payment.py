"""A family member with *pay* pays a co-payment invoice in the demo checkout and sees it paid.

The seed is one settled week of a red package (5VV: H01×21 H04×14 H10×14 and C01×7 C02×2 C03×7
C04×7 C07×10 C08×5 cost 90350 cents against a budget of 88560, so the co-payment is 1790 cents,
€ 17,90) and November's invoice for it. The demo checkout confirms the payment only through a
signed event sent to the real webhook handling, so the return page shows it paid only when the
ledger booked it. The interface is Dutch by default (``make translations``).
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from billing.domain import AccountKind, account_key
from billing.ledger import balance_of
from billing.models import CopayInvoice, JournalEntry, Payment
from billing.invoices import create_invoices
from billing.settlement import settle_week
from care.models import PackageLine, PackageVersion, Service

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
LINES = {"H01": 21, "H04": 14, "H10": 14, "C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 10, "C08": 5}
COPAY = 1790
AMOUNT = "€ 17,90"


def seed_invoice(world, db) -> CopayInvoice:
    """A settled week W48 with a co-payment of 1790 cents for ``own``, invoiced for November."""
    own = world.own
    ids = dict(db.session.execute(select(Service.code, Service.id).where(
        Service.organisation_id == world.org.id)).all())
    db.session.add(PackageVersion(client_id=own.id, number=1, status="active", created_by_id=world.users["nurse"].id,
                                  active_from=date(2026, 11, 2), use_savings=False,
                                  lines=[PackageLine(service_id=ids[code], per_week=n) for code, n in LINES.items()]))
    db.session.commit()
    assert settle_week("2026-W48").settled == 1
    [invoice] = create_invoices(date(2026, 11, 1))
    assert invoice.amount_cents == COPAY
    return invoice


def test_family_pays_a_co_payment_in_the_demo_checkout(page: Page, live_server: str, priced_world, db, screenshot):
    base, world = live_server, priced_world
    invoice = seed_invoice(world, db)
    own = world.own

    # Log in through the form, as the family member with view, decide and pay.
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(world.email("family"))
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/")

    # The resident, then the own-contribution link.
    page.locator(".cards .card").filter(has_text=own.name).get_by_role("link", name=own.name).click()
    expect(page).to_have_url(f"{base}/clients/{own.id}")
    page.get_by_role("link", name="Facturen en overzichten").click()
    expect(page).to_have_url(f"{base}/clients/{own.id}/invoices")
    card = page.locator("table.invoices tbody tr").filter(has_text=AMOUNT)
    expect(card).to_have_count(1)
    expect(card.get_by_role("rowheader")).to_contain_text(invoice.number)
    expect(card).to_contain_text("november 2026")
    pay = card.get_by_role("button", name=re.compile(re.escape(AMOUNT)))
    expect(pay).to_be_visible()
    screenshot(page, "invoice")

    # Pay: the demo checkout of the payment provider, with the amount in Dutch format.
    pay.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/billing/demo-checkout/cs_demo_[\w-]+$"))
    expect(page.locator(".big-number")).to_contain_text(AMOUNT)
    expect(page.get_by_text(own.name)).to_be_visible()
    db.session.expire_all()
    payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice.id))
    assert payment is not None and payment.status == "pending" and payment.amount_cents == COPAY
    screenshot(page, "checkout")

    page.get_by_role("button", name="Betalen", exact=True).click()

    # The return page says it is paid, because the signed event booked it.
    expect(page).to_have_url(f"{base}/billing/payments/{payment.id}")
    expect(page.get_by_role("status")).to_contain_text("Betaald")
    expect(page.get_by_role("heading", level=1)).to_contain_text(AMOUNT)
    screenshot(page, "paid")
    db.session.expire_all()
    payment = db.session.get(Payment, payment.id)
    assert payment.status == "paid" and payment.paid_at is not None
    assert db.session.scalar(select(JournalEntry.idempotency_key).where(JournalEntry.kind == "payment")) == \
        f"payment:{payment.id}"
    assert balance_of(world.org.id, account_key(AccountKind.COPAY_RECEIVABLE, own.id)) == 0

    # The invoices page shows it paid, without a Pay button.
    page.goto(f"{base}/clients/{own.id}/invoices")
    card = page.locator("table.invoices tbody tr").filter(has_text=AMOUNT)
    expect(card.locator(".tag")).to_have_text(re.compile(r"^betaald$", re.I))
    expect(card.get_by_role("button")).to_have_count(0)
    assert db.session.get(CopayInvoice, invoice.id).status == "paid"
    screenshot(page, "invoices-paid")
