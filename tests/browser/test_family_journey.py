"""A family member in a real Chromium: log in, see the resident, switch to English, log out.

Plus keyboard use (the skip link), a phone-sized screen, and an axe accessibility scan.
The interface is Dutch by default, so the Dutch catalogue must be compiled
(``make translations``) for these tests to pass.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import require

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
PHONE = {"width": 390, "height": 844}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(f"{base}/")  # and for its load event: keyboard tests start right after


def has_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")


def test_family_journey(page: Page, live_server: str, world, screenshot):
    base = live_server
    resident, resident_id = world.own.name, world.own.id
    family = world.users["family"]
    email, name = family.email, family.name

    # Not logged in: the home page sends us to the login page, in Dutch.
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    expect(page.get_by_label("Wachtwoord")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    screenshot(page, "login")

    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    # Home: the resident as a card linking to their page, the interface still Dutch.
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    card = page.locator(".cards .card").filter(has_text=resident)
    expect(page.get_by_role("heading", level=2)).to_have_text("Uw bewoner")
    expect(card).to_have_count(1)
    link = card.get_by_role("link", name=resident)
    expect(link).to_have_attribute("href", f"/clients/{resident_id}")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    expect(page.get_by_text("Log out", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Your resident")).to_have_count(0)
    screenshot(page)

    link.click()
    expect(page).to_have_url(f"{base}/clients/{resident_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(resident)
    page.go_back()
    expect(page).to_have_url(f"{base}/")

    # Switch to English: the same page comes back in English.
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_text("Uitloggen", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Your resident")).to_be_visible()
    expect(page.get_by_role("link", name=resident)).to_be_visible()
    expect(page.get_by_role("button", name="Nederlands")).to_be_visible()
    screenshot(page, "english")

    # Log out: back on the login page (still in English), and really logged out.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    screenshot(page, "logged-out")
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)$"))


def _focused_html(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.outerHTML.slice(0, 300) : 'nothing'")


def _assert_skip_link_works(page: Page) -> None:
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused, f"first Tab stop: {_focused_html(page)}").to_have_class("skip-link")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_in_viewport()          # shown on focus, not left off-screen
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")                    # the next stop is inside the content
    assert page.evaluate("document.activeElement.closest('main') !== null"), _focused_html(page)


def test_skip_link_is_first_tab_stop(page: Page, live_server: str, world):
    page.goto(f"{live_server}/login")
    _assert_skip_link_works(page)

    log_in(page, live_server, world.users["family"].email)
    _assert_skip_link_works(page)


def test_phone_viewport_has_no_horizontal_scroll(page: Page, live_server: str, world, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/login")
    assert not has_horizontal_scroll(page), "login page scrolls sideways at 390 px"

    log_in(page, live_server, world.users["family"].email)
    assert not has_horizontal_scroll(page), "home page scrolls sideways at 390 px"
    expect(page.get_by_role("button", name="Uitloggen")).to_be_in_viewport()
    screenshot(page)

    page.goto(f"{live_server}/clients/{world.own.id}")
    assert not has_horizontal_scroll(page), "resident page scrolls sideways at 390 px"


def _serious_violations(page: Page) -> list[str]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        require("accessibility test: axe-playwright-python is missing (pip install -e '.[dev]')")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                       "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_serious_accessibility_violations(page: Page, live_server: str, world, language):
    page.goto(f"{live_server}/login")
    if language == "en":
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    problems = {"login": _serious_violations(page)}

    log_in(page, live_server, world.users["family"].email)
    problems["home"] = _serious_violations(page)

    page.goto(f"{live_server}/clients/{world.own.id}")
    problems["resident"] = _serious_violations(page)
    assert problems == {"login": [], "home": [], "resident": []}
