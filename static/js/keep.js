// Forms keep what people typed. What a form sends is held in this tab (sessionStorage) until
// the next page shows how it went: a page with an error (a flash or an alert) that has the same
// form gets the values back; the "form expired" page keeps them for when the user goes back to
// the form, after logging in again if the session ended. Passwords, hidden fields, the login
// and forms marked data-keep="off" (the composer keeps its own draft) are never held; a form
// without typed values (language, log out) leaves what is held alone.
(function () {
  "use strict";
  const KEY = "zorgmarkt.sent-form";
  const MAX_AGE = 30 * 60 * 1000;
  const SKIP = new Set(["password", "hidden", "file", "submit", "button", "reset", "image"]);

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("[data-logout]")) {
      // Logging out on purpose (perhaps on a shared computer): nothing typed stays behind.
      try {
        sessionStorage.removeItem(KEY);
        Object.keys(localStorage).filter((key) => key.startsWith("zorgmarkt.draft."))
          .forEach((key) => localStorage.removeItem(key));
      } catch (err) { /* nothing held */ }
      return;
    }
    if (form.method.toLowerCase() !== "post" || form.dataset.keep === "off") return;
    // Logging in (on the way back to an expired form) must not replace what that form held.
    if (form.querySelector("input[type=password]") || new URL(form.action).pathname.startsWith("/login")) return;
    const values = [];
    Array.from(form.elements).forEach((el) => {
      if (!el.name || SKIP.has(el.type) || el.disabled) return;
      if (el.type === "checkbox" || el.type === "radio") values.push([el.name, el.value, el.checked]);
      else if (el.value !== el.defaultValue || el.tagName === "SELECT") values.push([el.name, el.value]);
    });
    try {
      if (values.length) sessionStorage.setItem(KEY, JSON.stringify({ action: form.action, values, at: Date.now() }));
    } catch (err) { /* storage off: the form works as before */ }
  }, true);

  let sent = null;
  try { sent = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (err) { sent = null; }
  if (!sent) return;
  const forget = () => { try { sessionStorage.removeItem(KEY); } catch (err) { /* nothing held */ } };
  if (Date.now() - sent.at > MAX_AGE || document.querySelector(".flash-success")) return forget();
  if (document.querySelector("[data-form-expired]")) {
    sent.expired = true;
    try { sessionStorage.setItem(KEY, JSON.stringify(sent)); } catch (err) { /* nothing held */ }
    return;
  }
  const form = Array.from(document.forms).find((f) => f.action === sent.action && f.dataset.keep !== "off");
  if (!form) return;  // e.g. the login page on the way back: keep holding it
  const failed = document.querySelector(".flash-error, .flash-warning, .error-summary, [aria-invalid=true]");
  if (!failed && !sent.expired) return forget();
  sent.values.forEach(([name, value, checked]) => {
    Array.from(form.elements).filter((el) => el.name === name).forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.value === value) el.checked = checked;
      } else {
        el.value = value;
      }
    });
  });
  const folded = form.closest("details");
  if (folded) folded.open = true;
  const note = document.getElementById("kept-note");
  if (note && sent.expired) {
    const message = note.content.firstElementChild.cloneNode(true);
    form.prepend(message);
  }
  forget();
})();
