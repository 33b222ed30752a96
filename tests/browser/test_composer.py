"""The package composer in a real Chromium: the live meter, save and submit, the nurse's
risk and sign-off, and the same page without JavaScript.

The numbers are the worked example of a 5VV resident (weekly budget € 885,60 = 88560 cents):
C01×7 C02×2 C03×7 C04×7 C07×8 C08×5 cost 62540 cents, 70.6 % of the budget, green. Every
extra C07 (Dagstructuur, € 24,60) adds 2460 cents: C07×15 = 79760 is the first at or above
90 % (79704), orange at 90.1 %; C07×19 = 89600 is the first above 100 %, red at 101.2 %.
The interface is Dutch by default, so the Dutch catalogue must be compiled
(``make translations``).
"""
from __future__ import annotations

import re

from marketplace.core.db_types import local_today

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PASSWORD = "secret-password"
BUDGET = 88560
C07_CENTS = 2460
CORE = {"C01": 7, "C02": 2, "C03": 7, "C04": 7, "C07": 8, "C08": 5}
CORE_CENTS = 62540
FIRST_ORANGE, FIRST_RED = 15, 19  # C07 per week
WORDS = {"green": "binnen budget", "orange": "bijna op", "red": "boven budget"}


def load_text(total_cents: int) -> str:
    """The meter's load as the page shows it: tenths of a percent, rounded half up, Dutch comma."""
    tenths = (total_cents * 1000 * 2 + BUDGET) // (2 * BUDGET)
    return f"{tenths // 10},{tenths % 10}"


def colour_of(total_cents: int) -> str:
    if total_cents * 100 < 90 * BUDGET:
        return "green"
    return "orange" if total_cents <= BUDGET else "red"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/")


def meter_of(page: Page):
    return page.locator("section.meter")


def expect_meter(page: Page, colour: str, load: str) -> None:
    meter = meter_of(page)
    expect(meter.locator('[data-field="load_pct"]')).to_have_text(load)
    expect(meter).to_have_class(re.compile(rf"(^|\s)meter-{colour}(\s|$)"))
    word = meter.locator(".meter-word")
    expect(word).to_have_text(WORDS[colour])
    expect(word).to_be_visible()


def painted(page: Page) -> dict[str, str]:
    """The colours the browser really paints for the meter's dot and bar."""
    return page.evaluate("""() => {
        const css = (sel) => getComputedStyle(document.querySelector(sel)).backgroundColor;
        const fill = document.querySelector('section.meter .meter-fill');
        return {dot: css('section.meter .meter-dot'), fill: css('section.meter .meter-fill'),
                border: getComputedStyle(document.querySelector('section.meter')).borderTopColor,
                width: String(fill.getBoundingClientRect().width)};
    }""")


def top(page: Page) -> Page:
    """Scroll up so the sticky meter sits beside the top of the list in a full-page screenshot."""
    page.evaluate("window.scrollTo(0, 0)")
    return page


def rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return r, g, b


def test_carer_raises_the_meter_to_orange_then_red_saves_and_submits(
        page: Page, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    log_in(page, base, priced_world.email("carer"))

    # Home → the resident → "Pakket samenstellen".
    page.get_by_role("link", name=resident.name).click()
    expect(page).to_have_url(f"{base}/clients/{resident.id}")
    page.get_by_role("link", name="Pakket samenstellen").click()
    expect(page).to_have_url(f"{base}/clients/{resident.id}/package")
    expect(page.get_by_role("heading", level=1)).to_have_text("Persoonlijk pakket")
    expect(page.locator("body")).to_have_class(re.compile(r"(^|\s)js(\s|$)"))
    expect_meter(page, "green", "0,0")
    expect(meter_of(page).locator('[data-field="budget_cents"]')).to_have_text("€ 885,60")
    search = page.get_by_role("searchbox", name="Zoeken in de catalogus")
    assert search.bounding_box()["height"] >= 24, "the catalogue search box is too small to hit"

    # The worked example's core lines: green at 70.6 %, updated without a page load.
    meter_calls = []
    page.on("request", lambda r: meter_calls.append(r) if r.url.endswith("/api/v1/meter") else None)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    for code, per_week in CORE.items():
        page.locator(f"#n_{code}").fill(str(per_week))
    expect_meter(page, "green", load_text(CORE_CENTS))
    assert load_text(CORE_CENTS) == "70,6"
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_have_text(re.compile(r"€\s625,40"))
    assert meter_calls, "the meter did not ask the server"
    assert navigations == [], f"the page reloaded: {navigations}"
    green = painted(page)
    screenshot(top(page), "green")

    # Raise C07 one step at a time with the keyboard; the meter follows every step.
    c07 = page.locator("#n_C07")
    seen = {}
    for per_week in range(CORE["C07"] + 1, FIRST_RED + 1):
        c07.focus()
        page.keyboard.press("ArrowUp")
        expect(c07).to_have_value(str(per_week))
        total = CORE_CENTS + (per_week - CORE["C07"]) * C07_CENTS
        colour = colour_of(total)
        expect_meter(page, colour, load_text(total))
        if colour not in seen:
            seen[colour] = per_week
            if colour != "green":
                screenshot(top(page), colour)
        if colour == "orange" and per_week == FIRST_ORANGE:
            orange = painted(page)
    assert seen == {"green": CORE["C07"] + 1, "orange": FIRST_ORANGE, "red": FIRST_RED}
    assert load_text(CORE_CENTS + 7 * C07_CENTS) == "90,1"
    assert load_text(CORE_CENTS + 11 * C07_CENTS) == "101,2"
    expect(meter_of(page).locator('[data-field="load_pct"]')).to_have_text("101,2")
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_have_text(re.compile(r"€\s896,00"))
    # Above the budget the difference is the resident's own contribution: 89600 − 88560.
    expect(meter_of(page).locator('[data-field="copay_cents"]')).to_have_text(re.compile(r"€\s10,40"))
    red = painted(page)
    assert navigations == [], f"the page reloaded: {navigations}"

    # The colour is painted, not only a class name: three different colours, of the right hue.
    for part in ("dot", "fill", "border"):
        assert len({green[part], orange[part], red[part]}) == 3, (part, green, orange, red)
    (gr, gg, gb), (orr, og, ob), (rr, rg, rb) = rgb(green["dot"]), rgb(orange["dot"]), rgb(red["dot"])
    assert gg > gr and gg > gb, green
    assert orr > og > ob, orange
    assert rr > 2 * rg and rr > 2 * rb, red
    assert float(green["width"]) < float(orange["width"]) < float(red["width"])

    # Save the draft with a reason; the page comes back with the saved lines and the red meter.
    page.get_by_label("Waarom deze wijziging?").fill("Meer dagstructuur in de huiskamer")
    page.get_by_role("button", name="Concept opslaan").click()
    flashes = page.locator(".flashes")
    expect(flashes).to_contain_text("Opgeslagen als versie 1.")
    expect(page.get_by_text(re.compile(r"Versie 1 · concept"))).to_be_visible()
    expect(page.locator("#n_C07")).to_have_value(str(FIRST_RED))
    expect_meter(page, "red", "101,2")

    page.get_by_role("button", name="Ter goedkeuring naar de verpleegkundige sturen").click()
    expect(flashes).to_contain_text("Versie 1 is ter goedkeuring naar de verpleegkundige gestuurd.")
    expect(page.get_by_text(re.compile(r"Versie 1 · wacht op goedkeuring"))).to_be_visible()
    screenshot(top(page), "submitted")

    page.get_by_role("link", name="Alle versies").click()
    row = page.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="1"))
    expect(row).to_contain_text("wacht op goedkeuring")
    expect(row).to_contain_text("Meer dagstructuur in de huiskamer")


def test_nurse_records_pressure_ulcer_risk_carer_sees_required_line_nurse_signs_off(
        browser, browser_context_args, live_server: str, health_world, screenshot):
    base, resident = live_server, health_world.own
    nurse_context = browser.new_context(**browser_context_args)
    carer_context = browser.new_context(**browser_context_args)
    try:
        nurse, carer = nurse_context.new_page(), carer_context.new_page()

        # The nurse records "24 Huid, potentieel" through the search box.
        log_in(nurse, base, health_world.email("nurse"))
        nurse.goto(f"{base}/clients/{resident.id}")
        nurse.get_by_role("link", name="Gezondheidsrisico's").click()
        expect(nurse).to_have_url(f"{base}/clients/{resident.id}/health")
        form = nurse.locator("form").filter(has=nurse.locator("#omaha"))
        expect(nurse.get_by_role("heading", name="Risico vastleggen")).to_be_visible()
        nurse.get_by_label("Zoek een aandachtsgebied").fill("huid")
        expect(nurse.locator("#omaha")).to_have_value("24")
        visible = nurse.locator("#omaha option:not([hidden])")
        expect(visible).to_have_count(1)
        expect(visible).to_have_text(re.compile(r"24 Huid / Skin"))
        form.get_by_label("potentieel").check()
        screenshot(nurse, "nurse-risk-form")
        form.get_by_role("button", name="Risico opslaan").click()
        expect(nurse.locator(".flashes")).to_contain_text("Het gezondheidsrisico is opgeslagen.")
        risk = nurse.locator("article.risk").filter(has_text="24 Huid")
        expect(risk).to_have_count(1)
        expect(risk.locator(".tag")).to_have_text("potentieel")
        expect(nurse.locator("section").filter(has=nurse.get_by_role("heading", name="Vereiste zorg"))
               ).to_contain_text(re.compile(r"H03.*minimaal 14 per week.*Huid"))
        screenshot(nurse, "nurse-risk-saved")

        # The carer's composer shows the required line: 14 per week, read-only.
        log_in(carer, base, health_world.email("carer"))
        carer.goto(f"{base}/clients/{resident.id}/package")
        row = carer.locator("tr").filter(has=carer.locator(".code", has_text="H03"))
        expect(row).to_have_count(1)
        expect(row.locator(".required-reason")).to_have_text("vereist: Huid, minimaal 14 per week")
        expect(carer.locator("#n_H03")).to_have_text("14")
        expect(row.locator("input[type=number]")).to_have_count(0)
        expect(row.locator('input[type=hidden][name="n_H03"]')).to_have_value("14")
        expect(carer.get_by_role("group", name="Zorg voor gezondheidsrisico's")).to_contain_text("H03")
        health = carer.locator('section.meter [data-field="health_cents"]')
        expect(health).not_to_have_text(re.compile(r"€\s0,00"))

        # The carer adds the core lines, saves and submits; the health line stays at 14.
        for code, per_week in CORE.items():
            carer.locator(f"#n_{code}").fill(str(per_week))
        expect(carer.locator('section.meter [data-field="core_cents"]')).to_have_text(re.compile(r"€\s625,40"))
        carer.get_by_label("Waarom deze wijziging?").fill("Zorg bij het decubitusrisico")
        screenshot(top(carer), "carer-composer")
        carer.get_by_role("button", name="Concept opslaan").click()
        saved = carer.locator(".flashes")
        expect(saved).to_contain_text(re.compile(r"Opgeslagen als versie \d+\."))
        number = int(re.search(r"versie (\d+)", saved.inner_text()).group(1))
        expect(carer.locator("#n_H03")).to_have_text("14")
        carer.get_by_role("button", name="Ter goedkeuring naar de verpleegkundige sturen").click()
        expect(carer.locator(".flashes")).to_contain_text(
            f"Versie {number} is ter goedkeuring naar de verpleegkundige gestuurd.")

        # The nurse signs the version off; it becomes the active package.
        today = local_today()
        nurse.goto(f"{base}/clients/{resident.id}/package/versions")
        nurse.get_by_role("link", name=f"Versie {number} controleren en goedkeuren").click()
        sign = nurse.locator("form.sign-off")
        expect(sign).to_have_count(1)
        expect(sign.get_by_role("heading")).to_have_text(f"Versie {number} goedkeuren")
        screenshot(nurse, "versions-to-sign")
        sign.get_by_label("Actief vanaf").fill(today.isoformat())
        sign.get_by_role("button", name="Goedkeuren en actief maken").click()
        months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                  "oktober", "november", "december"]
        expect(nurse.locator(".flashes")).to_contain_text(
            f"Versie {number} is actief vanaf {today.day} {months[today.month - 1]} {today.year}.")
        row = nurse.locator("tbody tr").filter(has=nurse.get_by_role("rowheader", name=str(number), exact=True))
        expect(row.locator("td").first).to_contain_text(re.compile(r"^\s*actief\b"))
        expect(row).to_contain_text("goedgekeurd door")
        expect(nurse.locator("form.sign-off")).to_have_count(0)
        screenshot(nurse, "signed-off")

        # The risk is covered now: no gap warning on the health page.
        nurse.goto(f"{base}/clients/{resident.id}/health")
        expect(nurse.get_by_text("Het actieve pakket dekt niet alle risico's")).to_have_count(0)
    finally:
        nurse_context.close()
        carer_context.close()


def test_composer_recalculates_without_javascript(
        browser, browser_context_args, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        page = context.new_page()
        meter_calls = []
        page.on("request", lambda r: meter_calls.append(r.url) if "/api/" in r.url else None)
        log_in(page, base, priced_world.email("carer"))
        page.goto(f"{base}/clients/{resident.id}/package")
        expect(page.locator("body")).to_have_class(re.compile(r"(^|\s)no-js(\s|$)"))
        expect(page.get_by_role("button", name="Zoeken")).to_be_visible()  # the filter's fallback
        expect_meter(page, "green", "0,0")

        for code, per_week in CORE.items():
            page.locator(f"#n_{code}").fill(str(per_week))
        expect_meter(page, "green", "0,0")  # nothing happens until the form is posted
        page.get_by_role("button", name="Opnieuw berekenen").click()
        expect_meter(page, "green", "70,6")
        expect(page.locator("#n_C07")).to_have_value("8")
        expect(page.locator('section.meter [data-field="total_cents"]')).to_have_text("€ 625,40")

        page.locator("#n_C07").fill(str(FIRST_ORANGE))
        page.get_by_role("button", name="Opnieuw berekenen").click()
        expect_meter(page, "orange", "90,1")

        page.locator("#n_C07").fill(str(FIRST_RED))
        page.get_by_role("button", name="Opnieuw berekenen").click()
        expect_meter(page, "red", "101,2")
        expect(page.locator('section.meter [data-field="copay_cents"]')).to_have_text("€ 10,40")
        screenshot(top(page), "red")

        # Saving works without JavaScript too.
        page.get_by_role("button", name="Concept opslaan").click()
        expect(page.locator(".flashes")).to_contain_text("Opgeslagen als versie 1.")
        expect_meter(page, "red", "101,2")
        assert meter_calls == [], meter_calls
    finally:
        context.close()



def _held_script(page: Page, name: str) -> list:
    """Hold ``static/js/<name>`` back until the test lets it go: a slow connection, where the
    person types before the page's script has run."""
    held: list = []
    page.route(re.compile(rf"/static/js/{re.escape(name)}(\?.*)?$"), lambda route: held.append(route))
    return held


def _release(page: Page, held: list) -> None:
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the script was never requested"
    held.pop().continue_()


def test_what_is_typed_before_the_scripts_run_still_counts(page: Page, live_server: str, health_world):
    """The composer's lines and the nurse's problem search, typed while the script is still on
    its way, update the meter and filter the list once it arrives (a CI run once typed into the
    nurse's search box before health.js had attached its listener)."""
    base, resident = live_server, health_world.own
    log_in(page, base, health_world.email("carer"))
    held = _held_script(page, "composer.js")
    page.goto(f"{base}/clients/{resident.id}/package", wait_until="commit")
    page.locator("#n_C07").fill("8")
    expect(meter_of(page).locator('[data-field="load_pct"]')).to_have_text("0,0")
    _release(page, held)
    expect(meter_of(page).locator('[data-field="load_pct"]')).not_to_have_text("0,0")
    total = int(page.request.post(f"{base}/api/v1/meter", headers={
        "X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")},
        data={"client_id": resident.id, "lines": [{"service": "C07", "per_week": 8}]}).json()["total_cents"])
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_have_text(
        re.compile("€\\s" + re.escape(f"{total // 100},{total % 100:02d}")))
    page.unroute(re.compile(r"/static/js/"))

    nurse = page.context.browser.new_context().new_page()
    try:
        log_in(nurse, base, health_world.email("nurse"))
        held = _held_script(nurse, "health.js")
        nurse.goto(f"{base}/clients/{resident.id}/health", wait_until="commit")
        nurse.get_by_label("Zoek een aandachtsgebied").fill("huid")
        expect(nurse.locator("#omaha")).not_to_have_value("24")
        _release(nurse, held)
        expect(nurse.locator("#omaha")).to_have_value("24")
        expect(nurse.locator("#omaha option:not([hidden])")).to_have_count(1)
    finally:
        nurse.context.close()
