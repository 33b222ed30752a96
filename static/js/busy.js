// Feedback on anything slow: a form marked data-busy disables its button and says it is busy.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-busy]")) return;
  const button = form.querySelector("button[type=submit]");
  if (!button || button.disabled) return;
  button.dataset.label = button.textContent;
  button.textContent = document.documentElement.lang === "en" ? "Busy…" : "Bezig…";
  button.setAttribute("aria-disabled", "true");
  // Disable after the submit has gone out, so the button's own name/value is still sent.
  setTimeout(() => { button.disabled = true; }, 0);
});
