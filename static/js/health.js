// Filter the 42 Omaha problems as the nurse types, in Dutch or English.
(function () {
  "use strict";
  const filter = document.querySelector("[data-problem-filter]");
  const select = document.getElementById("omaha");
  if (!filter || !select) return;
  const apply = () => {
    const query = filter.value.trim().toLowerCase();
    let first = null;
    select.querySelectorAll("option").forEach((option) => {
      const match = query === "" || option.dataset.search.includes(query);
      option.hidden = !match;
      if (match && !first) first = option;
    });
    if (first) select.value = first.value;
  };
  filter.addEventListener("input", apply);
  // Text typed before this script ran (a slow page) or restored by the browser's back button
  // filters the list too.
  if (filter.value.trim() !== "") apply();
})();
