"""Browser tests: a real Chromium driven by Playwright against the app on a real server.

The browser is Debian's ``/usr/bin/chromium`` (``apt-get install chromium``), launched through
pytest-playwright's fixtures (``page``, ``browser``, ...) with flags that keep it off the
network. Never run ``playwright install``: it downloads browsers, and this machine has no
internet. Without Chromium or Playwright the tests are skipped with a visible reason; with
``REQUIRE_ALL=1`` (CI) that is a failure instead.

The app is the session's ``app`` (one per database backend), served by a threaded werkzeug
server on 127.0.0.1 for the length of one test; ``live_server`` needs ``db``, so the tables
are emptied after every test. Screenshots go to
``test-artifacts/screenshots/<test name>-<backend>.png`` (git-ignored).
"""
from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from billing.models import CopayInvoice
from care.models import Client, PackageVersion, Service
from marketplace.demo import DEMO_PASSWORD, load_demo
from marketplace.market.bookings import provider_for_team
from marketplace.market.models import Extra, Provider

from tests.conftest import require

CHROMIUM = "/usr/bin/chromium"
# The machine has no internet; without these Chromium keeps trying to reach it.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
         "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"browser test: {CHROMIUM} is missing (apt-get install chromium)"
    for module in ("playwright.sync_api", "pytest_playwright"):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"browser test: Python package {module.split('.')[0]} is missing (pip install -e '.[dev]')"
    return None


MISSING = _missing()


# pytest-playwright (0.10) defines its ``base_url`` fallback as an instance method, which
# pytest 9 warns about; that is the plugin's business, not ours.
_PLUGIN_WARNING = "ignore:Session-scoped fixtures defined as instance methods are deprecated"


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (``-m browser`` / ``-m 'not browser'``)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.filterwarnings(_PLUGIN_WARNING))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture is set up, so neither the database nor the browser is touched.
    if MISSING:
        require(MISSING)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; ``--headed``/``--slowmo`` still work."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fresh context (cookies, storage) per test comes from pytest-playwright's ``context``.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def live_server(app, db):
    """The base URL of this test's app, served by a real threaded werkzeug server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def backend_of(node) -> str:
    callspec = getattr(node, "callspec", None)
    url = callspec.params.get("database_url") if callspec else None
    return url if url in ("sqlite", "postgresql") else "nodb"


@pytest.fixture
def screenshot(request):
    """``screenshot(page)`` saves ``test-artifacts/screenshots/<test>-<backend>.png``.

    ``screenshot(page, "step")`` saves ``<test>-step-<backend>.png``; returns the path.
    """
    def take(page, step: str = "") -> Path:
        name = request.node.originalname + (f"-{step}" if step else "") + f"-{backend_of(request.node)}.png"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo(db) -> dict[str, str]:
    """The demo organisations (``flask demo``); ids to fill in URLs, and the demo password.

    ``client`` is De Linde's first resident (Johanna de Vries: an active package, health risks,
    invoices), ``user`` her own account, ``location`` her location, ``team`` her team (teamleider1, verzorgende1, verpleegkundige1 and familie1 are
    hers), ``version`` her first package version, ``service`` C07, ``month`` a month with an
    invoice.
    """
    load_demo()
    client = db.session.scalar(select(Client).where(Client.name == "Johanna de Vries"))
    version = db.session.scalar(select(PackageVersion.number).where(PackageVersion.client_id == client.id)
                                .order_by(PackageVersion.number))
    service = db.session.scalar(select(Service.id).where(Service.organisation_id == client.organisation_id,
                                                         Service.code == "C07"))
    month = db.session.scalar(select(CopayInvoice.month).where(CopayInvoice.client_id == client.id))
    provider = provider_for_team(client.team)  # the team's seller of extras (made if the demo has none)
    db.session.commit()
    extra = db.session.scalar(select(Extra.id).join(Provider, Provider.id == Extra.provider_id)
                              .where(Provider.team_id == client.team_id).order_by(Extra.id))
    return {"extra": str(extra), "client": str(client.id), "team": str(client.team_id), "version": str(version),
            "provider": str(provider.id),
            "user": str(client.user_id), "location": str(client.location_id),
            "service": str(service), "month": (month.isoformat()[:7] if month else "2026-11"),
            "password": DEMO_PASSWORD}
