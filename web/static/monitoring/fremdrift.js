// Progressive help on the monitoring page: the Gantt rows name their figures on hover, and
// the report link follows the year field. The page works without it.
(function () {
  "use strict";
  const rows = new Map();
  document.querySelectorAll("#planpunkter tbody tr").forEach((tr) => rows.set(tr.dataset.key, tr));
  document.querySelectorAll(".gantt-row").forEach((g) => {
    const tr = rows.get(g.dataset.key);
    if (!tr) return;
    const cells = tr.querySelectorAll("td");
    const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
    title.textContent = `${cells[0].textContent}: ${cells[3].textContent} af ${cells[4].textContent} til dato (${cells[8].textContent})`;
    g.appendChild(title);
  });
  const year = document.getElementById("year");
  const link = document.getElementById("report-link");
  const none = document.getElementById("no-report");
  if (year && link) {
    // The report is made for some years only: the link is offered for those, and for any
    // other year the page says why there is none.
    const first = Number(link.dataset.first);
    const last = Number(link.dataset.last);
    year.addEventListener("input", () => {
      const url = new URL(link.href);
      url.searchParams.set("year", year.value);
      link.href = url.toString();
      const y = Number(year.value);
      const has = year.value !== "" && Number.isInteger(y) && y >= first && y <= last;
      link.hidden = !has;
      if (none) {
        none.hidden = has;
        none.querySelector(".no-report-year").textContent = year.value;
      }
    });
  }
})();
