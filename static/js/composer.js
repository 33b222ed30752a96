// The live meter: every change of a frequency asks the server (POST /api/v1/meter) for the
// meter, so the page and the API share one calculation. Without JavaScript the form's
// "Recalculate" button does the same.
//
// A line that is not a whole number from 0 to 99 is marked where it is (message beside it,
// aria-invalid) and the meter says it is out of date instead of showing the last figure as if
// it were current. What is typed is kept in the browser (localStorage) until it is saved, so an
// expired session or form token loses nothing: after logging in again the page puts it back.
(function () {
  "use strict";
  const form = document.querySelector("form.composer");
  if (!form) return;
  const meter = document.querySelector("[data-meter]");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const locale = form.dataset.locale === "en" ? "en-GB" : "nl-NL";
  const money = new Intl.NumberFormat(locale, { style: "currency", currency: "EUR" });
  const words = JSON.parse(document.getElementById("meter-words").textContent);
  const field = (name) => meter.querySelector(`[data-field="${name}"]`);
  const lineInputs = () => Array.from(form.querySelectorAll("[data-line]"));
  const editable = () => lineInputs().filter((input) => input.type !== "hidden");
  const useSavings = form.querySelector("[data-use-savings]");
  const reason = form.querySelector("#reason");
  let timer = null;
  let sequence = 0;

  // ---- lines: what the browser can already tell is wrong ----

  function localError(input) {
    if (input.type === "hidden") return "";
    if (input.validity && input.validity.badInput) return words.invalid;
    const value = input.value.trim();
    return value === "" || /^[0-9]{1,2}$/.test(value) ? "" : words.invalid;
  }

  function markLine(input, message) {
    const error = document.getElementById(`${input.id}-error`);
    const row = input.closest("tr");
    if (message) {
      input.setAttribute("aria-invalid", "true");
      if (error) input.setAttribute("aria-describedby", error.id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    if (error) {
      error.textContent = message || "";
      error.hidden = !message;
    }
    if (row) row.classList.toggle("has-error", Boolean(message));
  }

  function lines() {
    return lineInputs().map((input) => ({
      service: input.dataset.line,
      per_week: input.value.trim() === "" ? 0 : Number(input.value),
    }));
  }

  // ---- the meter's states: current, computing, out of date ----

  function setStale(message) {
    const note = field("stale");
    meter.classList.toggle("is-stale", Boolean(message));
    note.textContent = message || "";
    note.hidden = !message;
  }

  function setComputing(on) {
    meter.classList.toggle("is-computing", on);
    if (on) meter.setAttribute("aria-busy", "true");
    else meter.removeAttribute("aria-busy");
  }

  function show(reading) {
    meter.className = meter.className.replace(/meter-(green|orange|red|none)/, `meter-${reading.colour}`);
    field("colour_word").textContent = words[reading.colour];
    const load = reading.load_pct.toFixed(1);
    field("load_pct").textContent = locale === "nl-NL" ? load.replace(".", ",") : load;
    field("bar").style.setProperty("--load", Math.min(reading.load_pct, 150));
    for (const name of ["budget_cents", "health_cents", "core_cents", "total_cents", "copay_cents",
      "from_savings_cents", "to_savings_cents", "org_shortfall_cents", "savings_balance_cents"]) {
      field(name).textContent = money.format(reading[name] / 100);
    }
    field("reindication").hidden = !reading.reindication_needed;
  }

  function showError(message) {
    const error = field("error");
    error.textContent = message || "";
    error.hidden = !message;
  }

  async function update() {
    const mine = ++sequence;
    setComputing(true);
    const busy = setTimeout(() => { if (mine === sequence) field("busy").hidden = false; }, 300);
    try {
      const response = await fetch(form.dataset.meterUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({
          client_id: Number(form.dataset.clientId),
          lines: lines(),
          use_savings: useSavings.checked,
        }),
      });
      const body = await response.json().catch(() => ({}));
      if (mine !== sequence) return;  // a newer request is on its way, or the input became invalid
      if (response.ok) {
        show(body);
        showError("");
        setStale("");
        editable().forEach((input) => markLine(input, ""));
      } else {
        const fields = (body.error && body.error.fields) || {};
        editable().forEach((input) => markLine(input, fields[input.dataset.line] || ""));
        const general = Object.keys(fields).filter((name) => !form.querySelector(`[data-line="${name}"]`))
          .map((name) => fields[name]);
        showError([body.error && body.error.message].concat(general).filter(Boolean).join(" ")
          || words.offline);
        setStale(Object.keys(fields).length ? words.stale_invalid : words.stale_failed);
      }
    } catch (err) {
      if (mine === sequence) {
        showError(words.offline);
        setStale(words.stale_failed);
      }
    } finally {
      clearTimeout(busy);
      if (mine === sequence) {
        field("busy").hidden = true;
        setComputing(false);
      }
    }
  }

  // Check the lines here first: a wrong line is marked at once and nothing is asked.
  function changed() {
    clearTimeout(timer);
    let valid = true;
    editable().forEach((input) => {
      const message = localError(input);
      if (message) {
        valid = false;
        markLine(input, message);
      } else if (input.getAttribute("aria-invalid") === "true") {
        markLine(input, "");  // the server's answer marks it again if it still finds it wrong
      }
    });
    if (!valid) {
      sequence++;  // an answer still on its way is about old input: drop it
      field("busy").hidden = true;
      setComputing(false);
      setStale(words.stale_invalid);
      return;
    }
    setComputing(true);
    timer = setTimeout(update, 150);
  }

  // ---- the draft kept in the browser until it is saved ----

  const storeKey = form.dataset.draftKey;
  const MAX_AGE = 14 * 24 * 3600 * 1000;
  const normal = (value) => {
    const text = String(value).trim();
    return /^[0-9]+$/.test(text) ? String(Number(text)) : text === "" ? "0" : text;
  };

  // ``asServed``: the values in the page as the server sent it, not what was typed since.
  function snapshot(asServed) {
    const values = {};
    editable().forEach((input) => {
      values[input.dataset.line] = normal(asServed ? input.defaultValue : input.value);
    });
    return {
      lines: values,
      reason: reason ? (asServed ? reason.defaultValue : reason.value) : "",
      use_savings: asServed ? useSavings.defaultChecked : useSavings.checked,
    };
  }

  // The reason is not part of the package: after a save the page comes back with an empty one.
  const same = (a, b) => JSON.stringify([a.lines, a.use_savings]) === JSON.stringify([b.lines, b.use_savings]);

  function readStored() {
    try {
      const stored = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (!stored || typeof stored.lines !== "object" || Date.now() - stored.saved_at > MAX_AGE) return null;
      return stored;
    } catch (err) {
      return null;
    }
  }

  function writeStored(state) {
    try {
      if (state) localStorage.setItem(storeKey, JSON.stringify({ ...state, saved_at: Date.now() }));
      else localStorage.removeItem(storeKey);
    } catch (err) { /* private mode or full: the form itself still holds the values */ }
  }

  function apply(state) {
    editable().forEach((input) => {
      if (Object.prototype.hasOwnProperty.call(state.lines, input.dataset.line)) {
        input.value = state.lines[input.dataset.line];
      }
    });
    if (reason) reason.value = state.reason || "";
    useSavings.checked = Boolean(state.use_savings);
  }

  // What the page shows when it loads: the saved package, unless it comes back from a refused
  // or recalculated post (``data-unsaved``), when it is typed work that is not saved yet.
  const saved = form.hasAttribute("data-unsaved") ? null : snapshot(true);
  const remember = () => writeStored(saved && same(snapshot(), saved) ? null : snapshot());
  const notice = document.querySelector("[data-restored]");

  const stored = readStored();
  if (!saved) {
    remember();
  } else if (stored && !same(stored, saved)) {
    apply(stored);
    notice.hidden = false;
    changed();
  } else if (!same(snapshot(), saved)) {
    // Typed before this script ran (a slow connection): keep it and bring the meter up to date.
    remember();
    changed();
  } else {
    writeStored(null);
  }

  notice.querySelector("[data-discard]").addEventListener("click", () => {
    apply(saved);
    writeStored(null);
    notice.hidden = true;
    changed();
    const first = editable()[0];
    if (first) first.focus();
  });

  // ---- the compact bar on a phone: details behind a button ----

  const toggle = meter.querySelector("[data-meter-toggle]");
  const bar = form.querySelector("[data-composer-bar]");
  if (toggle && bar) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      bar.classList.toggle("expanded", open);
    });
  }

  function filterRows(filter) {
    const query = filter.value.trim().toLowerCase();
    form.querySelectorAll("tr[data-search]").forEach((row) => {
      row.hidden = query !== "" && !row.dataset.search.includes(query);
    });
  }
  const filter = form.querySelector("[data-filter]");
  if (filter && filter.value.trim() !== "") filterRows(filter);

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-filter]")) {
      filterRows(event.target);
      return;
    }
    if (event.target.matches("[data-line], [data-use-savings], #reason")) remember();
    if (event.target.matches("[data-line]")) changed();
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-use-savings]")) {
      remember();
      changed();
    }
  });
})();
