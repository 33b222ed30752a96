// Filter the 42 Omaha problems as the nurse types, in Dutch or English.
(function () {
  "use strict";
  const filter = document.querySelector("[data-problem-filter]");
  const select = document.getElementById("omaha");
  if (!filter || !select) return;
  filter.addEventListener("input", () => {
    const query = filter.value.trim().toLowerCase();
    let first = null;
    select.querySelectorAll("option").forEach((option) => {
      const match = query === "" || option.dataset.search.includes(query);
      option.hidden = !match;
      if (match && !first) first = option;
    });
    if (first) select.value = first.value;
  });
})();
