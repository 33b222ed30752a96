"""Forms that keep what people typed, and the composer on a phone, in a real Chromium.

- the composer at 390 × 844: the meter is a compact bar of at most a fifth of the screen that
  opens for details, the save button stays in reach while the lines scroll, and the lines'
  table keeps its column names;
- the health risk form refused for one wrong value comes back with every value;
- an expired session on the composer: log in again and the typed draft is back, with a message
  and a way to discard it; an expired form token: the composer comes back with what was typed;
- the live meter marks the wrong line beside it and says it is out of date (also when the
  calculation fails) instead of showing the last figure as if it were current.
"""
from __future__ import annotations

import re

from tests.browser.conftest import SCREENSHOTS, backend_of
from tests.browser.test_accessibility_sweep import serious_violations
from tests.browser.test_composer import CORE, CORE_CENTS, expect_meter, load_text, log_in, meter_of, top

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.py skips every test here (or fails them with REQUIRE_ALL=1)
    Page = expect = None

PHONE = {"width": 390, "height": 844}
RESTORED = "Uw wijzigingen die nog niet waren opgeslagen, zijn teruggezet."


def phone_shot(page: Page, request, step: str) -> None:
    """What the phone's screen shows (a full-page shot would not show where the bar sits)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.originalname}-{step}-screen-{backend_of(request.node)}.png"))


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found, f"{selector} is not shown"
    return found


def test_composer_on_a_phone_keeps_the_save_button_in_reach_and_the_meter_small(
        page: Page, live_server: str, priced_world, screenshot, request):
    base, resident = live_server, priced_world.own
    page.set_viewport_size(PHONE)
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    save = page.get_by_role("button", name="Concept opslaan")
    bar = page.locator("[data-composer-bar]")

    for code, per_week in CORE.items():
        page.locator(f"#n_{code}").fill(str(per_week))
    expect_meter(page, "green", load_text(CORE_CENTS))

    # The bar: at most a fifth of the screen, at its bottom, with the save button in it.
    height = box(page, "[data-composer-bar]")["height"]
    assert height <= 0.2 * PHONE["height"], f"the meter bar is {height:.0f} px of {PHONE['height']}"
    assert box(page, "[data-composer-bar]")["y"] + height <= PHONE["height"] + 1
    expect(bar.get_by_role("button", name="Concept opslaan")).to_be_visible()
    expect(meter_of(page).locator(".meter-word")).to_be_in_viewport()
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_be_hidden()
    assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
    screenshot(top(page), "top")
    phone_shot(page, request, "top")

    # Scrolling through the lines never takes the save button away.
    for fraction in (0.25, 0.5, 1):
        page.evaluate(f"window.scrollTo(0, document.scrollingElement.scrollHeight * {fraction})")
        expect(save).to_be_in_viewport()
    phone_shot(page, request, "scrolled")
    # The last line is not hidden behind the bar.
    last = page.locator("table.lines tbody tr:not([hidden])").last
    last.scroll_into_view_if_needed()
    assert box(page, "table.lines tbody tr:not([hidden]) >> nth=-1")["y"] + 10 < box(page, "[data-composer-bar]")["y"]

    # The lines' table keeps its column names beside each value.
    price = page.locator("tr").filter(has=page.locator("#n_C07")).locator("td").first
    expect(price).to_have_attribute("data-label", "Prijs")
    label = page.evaluate("""() => getComputedStyle(document.querySelector('#n_C07').closest('tr')
        .querySelector('td'), '::before').content""")
    assert "Prijs" in label, label

    # The details open behind a button, and close again.
    toggle = bar.get_by_role("button", name="Details")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_be_visible()
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_have_text(re.compile(r"€\s625,40"))
    screenshot(page, "details")
    assert serious_violations(page) == []
    phone_shot(page, request, "details")
    toggle.click()
    expect(meter_of(page).locator('[data-field="total_cents"]')).to_be_hidden()

    # Save from the middle of the list, with a reason typed in the page.
    page.get_by_label("Waarom deze wijziging?").fill("Meer dagstructuur")
    page.locator("#n_C04").scroll_into_view_if_needed()
    save.click()
    expect(page.locator(".flashes")).to_contain_text("Opgeslagen als versie 1.")
    expect(page.locator("#n_C07")).to_have_value(str(CORE["C07"]))
    screenshot(page, "saved")


def test_the_health_risk_form_keeps_every_value_after_an_error(
        page: Page, live_server: str, health_world, screenshot):
    base, resident = live_server, health_world.own
    log_in(page, base, health_world.email("nurse"))
    page.goto(f"{base}/clients/{resident.id}/health")
    form = page.locator("form").filter(has=page.locator("#omaha"))
    page.get_by_label("Zoek een aandachtsgebied").fill("huid")
    expect(page.locator("#omaha")).to_have_value("24")
    form.get_by_label("actueel").check()
    form.get_by_label("familie").check()
    form.get_by_label("Kennis").fill("7")  # ratings go from 1 to 5
    form.get_by_label("Gedrag").fill("2")
    form.get_by_label("Status").fill("3")
    form.get_by_label("Notitie").fill("Rode hielen; elke ochtend kijken")
    form.get_by_role("button", name="Risico opslaan").click()

    expect(page.get_by_role("alert").first).to_be_visible()
    form = page.locator("form").filter(has=page.locator("#omaha"))
    expect(page.locator("#omaha")).to_have_value("24")
    expect(form.get_by_label("actueel")).to_be_checked()
    expect(form.get_by_label("familie")).to_be_checked()
    expect(form.get_by_label("Kennis")).to_have_value("7")
    expect(form.get_by_label("Gedrag")).to_have_value("2")
    expect(form.get_by_label("Status")).to_have_value("3")
    expect(form.get_by_label("Notitie")).to_have_value("Rode hielen; elke ochtend kijken")
    knowledge = form.get_by_label("Kennis")
    expect(knowledge).to_have_attribute("aria-invalid", "true")
    error = page.locator("#new-knowledge-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("1 tot en met 5")
    expect(knowledge).to_have_accessible_description(re.compile("1 tot en met 5"))
    expect(page.locator("article.risk")).to_have_count(0)
    assert serious_violations(page) == []
    screenshot(page)

    # Correct the one value: saved.
    knowledge.fill("4")
    form.get_by_role("button", name="Risico opslaan").click()
    expect(page.locator(".flashes")).to_contain_text("Het gezondheidsrisico is opgeslagen.")
    expect(page.locator("article.risk").filter(has_text="24 Huid")).to_have_count(1)


def fill_core(page: Page) -> None:
    for code, per_week in CORE.items():
        page.locator(f"#n_{code}").fill(str(per_week))
    page.get_by_label("Waarom deze wijziging?").fill("Meer dagstructuur")
    expect_meter(page, "green", load_text(CORE_CENTS))


def test_an_expired_session_on_the_composer_keeps_the_draft(
        page: Page, context, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    composer = f"{base}/clients/{resident.id}/package"
    log_in(page, base, priced_world.email("carer"))
    page.goto(composer)
    fill_core(page)

    # The session ends (cookies gone, as after a long break); the carer presses save.
    context.clear_cookies()
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(priced_world.email("carer"))
    page.locator("#password").fill("secret-password")
    page.get_by_role("button", name="Inloggen").click()

    # Back in the composer, with everything typed and a visible message.
    expect(page).to_have_url(composer)
    notice = page.locator("[data-restored]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(RESTORED)
    for code, per_week in CORE.items():
        expect(page.locator(f"#n_{code}")).to_have_value(str(per_week))
    expect(page.get_by_label("Waarom deze wijziging?")).to_have_value("Meer dagstructuur")
    expect_meter(page, "green", load_text(CORE_CENTS))  # the meter shows the restored lines
    assert serious_violations(page) == []
    screenshot(top(page), "restored")

    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.locator(".flashes")).to_contain_text("Opgeslagen als versie 1.")
    expect(page.locator("[data-restored]")).to_be_hidden()
    page.reload()
    expect(page.locator("[data-restored]")).to_be_hidden()  # saved: nothing left to restore
    expect(page.locator("#n_C07")).to_have_value(str(CORE["C07"]))


def test_restored_changes_can_be_discarded(page: Page, live_server: str, priced_world):
    base, resident = live_server, priced_world.own
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    fill_core(page)
    page.reload()  # left without saving
    expect(page.locator("[data-restored]")).to_be_visible()
    expect(page.locator("#n_C07")).to_have_value(str(CORE["C07"]))
    page.get_by_role("button", name="Wijzigingen weggooien").click()
    expect(page.locator("[data-restored]")).to_be_hidden()
    expect(page.locator("#n_C07")).to_have_value("0")
    expect(page.get_by_label("Waarom deze wijziging?")).to_have_value("")
    expect_meter(page, "green", "0,0")
    page.reload()
    expect(page.locator("[data-restored]")).to_be_hidden()


def test_an_expired_form_token_brings_the_composer_back_with_the_typed_values(
        page: Page, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    fill_core(page)
    page.locator("form.composer input[name=csrf_token]").evaluate("(input) => { input.value = 'expired'; }")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/package")) as answer:
        page.get_by_role("button", name="Concept opslaan").click()
    assert answer.value.status == 400
    expect(page.locator("#expired")).to_contain_text("Alles wat u typte staat er nog")
    for code, per_week in CORE.items():
        expect(page.locator(f"#n_{code}")).to_have_value(str(per_week))
    expect(page.get_by_label("Waarom deze wijziging?")).to_have_value("Meer dagstructuur")
    expect_meter(page, "green", load_text(CORE_CENTS))
    screenshot(top(page))
    page.get_by_role("button", name="Concept opslaan").click()
    expect(page.locator(".flashes")).to_contain_text("Opgeslagen als versie 1.")


def test_the_live_meter_marks_the_wrong_line_and_never_shows_a_stale_figure(
        page: Page, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    fill_core(page)
    meter = meter_of(page)
    stale = meter.locator('[data-field="stale"]')
    expect(stale).to_be_hidden()

    c07, error = page.locator("#n_C07"), page.locator("#n_C07-error")
    c07.fill("150")
    expect(c07).to_have_attribute("aria-invalid", "true")
    expect(error).to_be_visible()
    expect(error).to_contain_text("0 tot en met 99")
    expect(c07).to_have_accessible_description(re.compile("0 tot en met 99"))
    expect(page.locator("#n_C01")).not_to_have_attribute("aria-invalid", "true")
    expect(meter).to_have_class(re.compile(r"\bis-stale\b"))
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("Niet actueel")
    assert serious_violations(page) == []
    screenshot(top(page), "invalid")

    c07.fill("9")  # one more C07: 62540 + 2460
    expect(c07).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()
    expect(stale).to_be_hidden()
    expect_meter(page, "green", load_text(CORE_CENTS + 2460))

    # A calculation that fails leaves the meter marked out of date, not quietly wrong.
    page.route("**/api/v1/meter", lambda route: route.abort())
    c07.fill("10")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("mislukt")
    expect(meter).to_have_class(re.compile(r"\bis-stale\b"))
    expect(meter.locator('[data-field="error"]')).to_be_visible()
    page.unroute("**/api/v1/meter")

    # While the server computes, the meter says so (and is marked busy for screen readers).
    held = []
    page.route("**/api/v1/meter", lambda route: held.append(route))
    c07.fill("11")
    expect(meter).to_have_attribute("aria-busy", "true")
    expect(meter.locator('[data-field="busy"]')).to_be_visible()
    expect(meter.locator('[data-field="busy"]')).to_have_text("Bezig met berekenen…")
    assert held, "the meter did not ask the server"
    for route in held:
        route.continue_()
    expect(meter).not_to_have_attribute("aria-busy", "true")
    expect(meter.locator('[data-field="busy"]')).to_be_hidden()
    expect(stale).to_be_hidden()
    expect_meter(page, "green", load_text(CORE_CENTS + 3 * 2460))


def demo_log_in(page: Page, base: str, account: str, password: str) -> None:
    page.get_by_label(re.compile(r"^e-?mail", re.I)).fill(f"{account}@delinde.demo")
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Inloggen").click()


def test_a_refused_review_keeps_the_note(page: Page, live_server: str, demo, screenshot):
    """A form answered with an error message on the next page (flash) keeps what was typed."""
    base = live_server
    page.goto(f"{base}/login")
    demo_log_in(page, base, "verzorgende1", demo["password"])
    page.goto(f"{base}/clients/{demo['client']}/budget")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Evaluatie vastleggen"))
    form.get_by_label("Notitie").fill("Besproken met de dochter; alles blijft zo")
    form.get_by_role("button", name="Evaluatie vastleggen").click()  # no outcome chosen
    expect(page.locator(".flash-error")).to_be_visible()
    expect(form.get_by_label("Notitie")).to_have_value("Besproken met de dochter; alles blijft zo")
    assert serious_violations(page) == []
    screenshot(page)


def test_an_expired_session_on_a_health_form_keeps_what_was_typed(
        page: Page, context, live_server: str, demo, screenshot):
    base = live_server
    health = f"{base}/clients/{demo['client']}/health"
    page.goto(f"{base}/login")
    demo_log_in(page, base, "verpleegkundige1", demo["password"])
    page.goto(health)
    page.get_by_label("Nieuw aandachtspunt").fill("Drinkt weinig na de middag")

    context.clear_cookies()  # the session has ended
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("verlopen")
    assert serious_violations(page) == []
    screenshot(page, "expired")
    page.get_by_role("link", name="Terug naar het formulier").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    demo_log_in(page, base, "verpleegkundige1", demo["password"])

    expect(page).to_have_url(health)
    expect(page.get_by_label("Nieuw aandachtspunt")).to_have_value("Drinkt weinig na de middag")
    expect(page.get_by_role("status").filter(has_text=RESTORED)).to_be_visible()
    screenshot(page, "restored")
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator(".flashes")).to_contain_text("Het aandachtspunt is opgeslagen.")
    expect(page.locator(".observations")).to_contain_text("Drinkt weinig na de middag")
    expect(page.get_by_label("Nieuw aandachtspunt")).to_have_value("")


def test_logging_out_on_purpose_leaves_no_draft_behind(page: Page, live_server: str, priced_world):
    base, resident = live_server, priced_world.own
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    fill_core(page)
    assert page.evaluate("Object.keys(localStorage).some((k) => k.startsWith('zorgmarkt.draft.'))")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(f"{base}/login")
    assert page.evaluate("Object.keys(localStorage).length") == 0
    log_in(page, base, priced_world.email("carer"))
    page.goto(f"{base}/clients/{resident.id}/package")
    expect(page.locator("[data-restored]")).to_be_hidden()
    expect(page.locator("#n_C07")).to_have_value("0")


def test_composer_on_a_phone_without_javascript_keeps_labels_and_saves(
        browser, browser_context_args, live_server: str, priced_world, screenshot):
    base, resident = live_server, priced_world.own
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE}, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, base, priced_world.email("carer"))
        page.goto(f"{base}/clients/{resident.id}/package")
        label = page.evaluate("""() => getComputedStyle(document.querySelector('#n_C07').closest('td'),
            '::before').content""")
        assert "Per week" in label, label
        assert not page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth")
        page.locator("#n_C07").fill("8")
        page.get_by_role("button", name="Concept opslaan").click()
        expect(page.locator(".flashes")).to_contain_text("Opgeslagen als versie 1.")
        screenshot(page)
    finally:
        context.close()
