// The live meter: every change of a frequency asks the server (POST /api/v1/meter) for the
// meter, so the page and the API share one calculation. Without JavaScript the form's
// "Recalculate" button does the same.
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
  let timer = null;
  let sequence = 0;

  function lines() {
    return Array.from(form.querySelectorAll("[data-line]")).map((input) => ({
      service: input.dataset.line,
      per_week: input.value.trim() === "" ? 0 : Number(input.value),
    }));
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
    const busy = setTimeout(() => { field("busy").hidden = false; }, 300);
    try {
      const response = await fetch(form.dataset.meterUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
        body: JSON.stringify({
          client_id: Number(form.dataset.clientId),
          lines: lines(),
          use_savings: form.querySelector("[data-use-savings]").checked,
        }),
      });
      const body = await response.json();
      if (mine !== sequence) return;  // a newer request is on its way
      if (response.ok) {
        show(body);
        showError("");
        form.querySelectorAll("[data-line]").forEach((input) => input.removeAttribute("aria-invalid"));
      } else {
        const fields = (body.error && body.error.fields) || {};
        form.querySelectorAll("[data-line]").forEach((input) => {
          if (fields[input.dataset.line]) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        });
        showError([body.error && body.error.message].concat(Object.values(fields)).join(" "));
      }
    } catch (err) {
      if (mine === sequence) showError(words.offline);
    } finally {
      clearTimeout(busy);
      if (mine === sequence) field("busy").hidden = true;
    }
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-filter]")) {
      const query = event.target.value.trim().toLowerCase();
      form.querySelectorAll("tr[data-search]").forEach((row) => {
        row.hidden = query !== "" && !row.dataset.search.includes(query);
      });
      return;
    }
    if (event.target.matches("[data-line], [data-use-savings]")) {
      clearTimeout(timer);
      timer = setTimeout(update, 150);
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-use-savings]")) update();
  });
})();
