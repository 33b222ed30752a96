// The minutes left of a hold: an element with data-until (ISO time) counts down to it, and the page
// reloads once it has passed so that the booking shows its new state. Without script the time shows.
document.querySelectorAll("[data-until]").forEach((element) => {
  const until = Date.parse(element.dataset.until);
  if (Number.isNaN(until)) return;
  const english = document.documentElement.lang === "en";
  const tick = () => {
    const left = Math.max(0, Math.round((until - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    element.textContent = english ? `${minutes}:${seconds} minutes left` : `nog ${minutes}:${seconds} minuten`;
    if (left === 0) {
      clearInterval(timer);
      setTimeout(() => window.location.reload(), 1500);
    }
  };
  const timer = setInterval(tick, 1000);
  tick();
});
