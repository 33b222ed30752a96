// On a phone, tables are shown as stacked rows (app.css); each cell keeps the name of its column
// through a data-label taken from the table's own header row, so no template has to repeat it.
(function () {
  "use strict";
  document.querySelectorAll("table").forEach((table) => {
    const headRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headRow) return;
    const names = [];
    Array.from(headRow.cells).forEach((cell) => {
      const name = cell.textContent.trim();
      for (let span = 0; span < (cell.colSpan || 1); span++) names.push(name);
    });
    Array.from(table.tBodies).forEach((body) => {
      Array.from(body.rows).forEach((row) => {
        let column = 0;
        Array.from(row.cells).forEach((cell) => {
          const name = names[column];
          if (name && !cell.hasAttribute("data-label")) cell.dataset.label = name;
          column += cell.colSpan || 1;
        });
      });
    });
  });
})();
