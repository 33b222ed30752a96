"""axe-core over the app's pages as the demo roles, at desktop and at phone width (390 px).

Every page in ``PAGES`` is opened by its role and must have no serious or critical violation of
WCAG 2.1 AA (and 2.2 AA's target size). To cover a new page, add its URL to the role's list:
``{client}``, ``{team}``, ``{service}``, ``{month}`` and ``{version}`` are filled in from the demo
data (resident 1 of De Linde, "Johanna de Vries", her team, her first package version, ...; see
the ``demo`` fixture in conftest.py). The demo data is the one ``flask demo`` loads: the same
accounts a tester uses.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import require

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None
try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    Axe = None

DOMAIN = "delinde.demo"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The pages each demo account can reach, by its e-mail address's local part.
PAGES: dict[str, list[str]] = {
    "familie1": ["/", "/clients/{client}", "/clients/{client}/budget", "/clients/{client}/package",
                 "/clients/{client}/package/versions", "/clients/{client}/package/versions/{version}",
                 "/clients/{client}/health", "/clients/{client}/access-log", "/clients/{client}/invoices",
                 "/clients/{client}/statements/{month}", "/account/tokens", "/notifications", "/settings",
                 "/clients/{client}/teams", "/offers", "/teams/{team}/offer", "/teams/{team}/ratings/new",
                 "/extras", "/extras?category=outing&max_price=50", "/extras/{extra}",
                 "/clients/{client}/bookings"],
    "bewoner1": ["/", "/clients/{client}", "/clients/{client}/budget", "/clients/{client}/health"],
    "verzorgende1": ["/", "/notifications", "/settings", "/clients/{client}", "/clients/{client}/package", "/clients/{client}/package/versions",
                     "/clients/{client}/budget", "/clients/{client}/health", "/teams/{team}/reviews",
                     "/providers/{provider}/day"],
    "verpleegkundige1": ["/", "/clients/{client}/health", "/clients/{client}/package",
                         "/clients/{client}/package/versions", "/clients/{client}/package/versions/{version}/sign",
                         "/reindications", "/clients/{client}/invite"],
    "teamleider1": ["/", "/teams/{team}/reviews", "/teams/{team}/statement", "/clients/{client}/budget",
                    "/teams/{team}/offer", "/teams/{team}/offer/edit", "/teams/{team}/offer/history",
                    "/teams/{team}/extras/revenue", "/providers/{provider}/day",
                    "/teams/{team}/extras", "/teams/{team}/extras/new", "/extras/{extra}/edit"],
    "klantondersteuner": ["/", "/clients/{client}", "/clients/{client}/package", "/clients/{client}/teams"],
    "bestuur": ["/", "/offers", "/teams/{team}/offer", "/board/staffing", "/board/budget", "/board/scenarios"],
    "admin": ["/", "/admin/catalogue", "/admin/catalogue/services/{service}", "/admin/billing",
              "/admin/risk-rules", "/admin/audit", "/reindications", "/account/tokens", "/account/second-factor",
              "/notifications", "/settings", "/admin/settings", "/admin/users", "/admin/users/{user}",
              "/admin/teams", "/admin/teams/{team}", "/admin/locations", "/admin/locations/{location}",
              "/admin/freelancers", "/admin/market-settings"],
    "zzp1": ["/freelancers/me", "/freelancers/me/demo-onboarding", "/freelancer/dashboard"],
    "zzp2": ["/freelancers/me"],
}
ANONYMOUS = ["/login"]


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name=re.compile(r"^(Inloggen|Log in)$")).click()
    page.wait_for_url(f"{base}/")


def serious_violations(page: Page) -> list[str]:
    if Axe is None:
        require("accessibility test: axe-playwright-python is missing (pip install -e '.[dev]')")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def small_header_targets(page: Page) -> list[str]:
    """Header links and buttons smaller than 24 × 24 CSS pixels (WCAG 2.5.8)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
            '.site-header a, .site-header button, .skip-link:focus'))
        .map((el) => [el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, box]) => box.width > 0 && (box.width < 24 || box.height < 24))
        .map(([text, box]) => `${text}: ${Math.round(box.width)}×${Math.round(box.height)}`)""")


def sweep(page: Page, base: str, urls: list[str], values: dict[str, str]) -> dict[str, list[str]]:
    """Open every page once and check it at desktop and at phone width."""
    problems = {}
    for template in urls:
        url = template.format(**values)
        page.set_viewport_size(DESKTOP)
        response = page.goto(f"{base}{url}")
        assert response is not None and response.status == 200, f"{url}: {response and response.status}"
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            found = serious_violations(page) + small_header_targets(page)
            if page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth + 1"):
                found.append("the page scrolls sideways")
            if found:
                problems[f"{url} ({name})"] = found
    return problems


@pytest.fixture
def once(database_url):
    """The pages' HTML does not depend on the database; three minutes of axe are enough once."""
    if database_url != "sqlite" and not database_url.startswith("sqlite"):
        pytest.skip("the accessibility sweep runs in the SQLite variant only")


@pytest.mark.parametrize("account", list(PAGES))
def test_every_page_of_the_demo_roles_passes_axe(once, page: Page, live_server: str, demo, account):
    log_in(page, live_server, f"{account}@{DOMAIN}", demo["password"])
    assert sweep(page, live_server, PAGES[account], demo) == {}


def test_pages_without_login_pass_axe(once, page: Page, live_server: str, db):
    assert sweep(page, live_server, ANONYMOUS, {}) == {}
