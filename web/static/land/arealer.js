/* The sellable-land page: the plots GET /land/sellable answers for the form's filters, on a
   map coloured by sale status, in a table, and the answer's totals. A refused filter shows
   the API's problem text. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("arealer-config").textContent);
  const drawn = [];
  const number = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0 });

  function text(s) {
    const d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }
  const n = (v) => (v == null ? "–" : number.format(v));
  const statusOf = (p) => config.status[p.sale_status] || { label: p.sale_status, colour: "#fff" };

  function style(p) {
    return { fillColor: statusOf(p).colour, fillOpacity: 0.75, color: "#333", weight: 1 };
  }

  function popup(p) {
    return (
      `<div class="popup"><h3>Salgsfelt ${text(p.plot_label || p.matrikel)}</h3>` +
      `<p>${text(config.use[p.planned_use] || p.planned_use)}, ${text(statusOf(p).label)}` +
      `${p.sale_year ? ` (${p.sale_year})` : ""}<br>` +
      `Byggeret ${n(p.building_right_m2)} m², ${n(p.expected_dwellings)} boliger<br>` +
      `Gang til ${text(p.nearest_stop || "stop")}: ${n(p.walk_to_stop_m)} m ` +
      `(fugleflugt ${n(p.straight_to_stop_m)} m)</p></div>`
    );
  }

  function table(features) {
    document.querySelector("#arealer-tabel tbody").innerHTML = features
      .map((f) => {
        const p = f.properties;
        return (
          `<tr data-label="${text(p.plot_label)}">` +
          `<td>${text(p.plot_label || "")}</td><td>${text(p.matrikel)}</td>` +
          `<td>${text(config.use[p.planned_use] || p.planned_use)}</td>` +
          `<td>${text(statusOf(p).label)}</td><td>${text(p.sale_year || "")}</td>` +
          `<td>${n(p.plot_area_m2)}</td><td>${n(p.building_right_m2)}</td>` +
          `<td>${n(p.expected_dwellings)}</td><td>${n(p.expected_business_m2)}</td>` +
          `<td>${n(p.walk_to_stop_m)}</td><td>${n(p.straight_to_stop_m)}</td>` +
          `<td>${text(p.nearest_stop || "")}</td><td>${n(p.walk_to_bygade_m)}</td></tr>`
        );
      })
      .join("");
  }

  function summary(s) {
    const uses = Object.entries(s.by_use)
      .map(([u, t]) => `<li>${text(config.use[u] || u)}: ${t.count} salgsfelter, ` +
        `${n(t.building_right_m2)} m² byggeret, ${n(t.expected_dwellings)} boliger</li>`)
      .join("");
    document.getElementById("summary").innerHTML =
      `<h2>I alt</h2><p><span id="sum-count">${s.count}</span> salgsfelter, ` +
      `${n(s.plot_area_m2)} m² grund, <span id="sum-right">${n(s.building_right_m2)}</span> m² ` +
      `byggeret, ${n(s.expected_dwellings)} boliger, ${n(s.expected_business_m2)} m² erhverv</p>` +
      `<ul>${uses}</ul>`;
  }

  // The API's problem text is English: name the refused field by the form's own Danish label.
  function problemText(body) {
    const names = [...new Set((body.errors || []).map((e) => e.parameter).filter(Boolean))];
    const labels = names.map((name) => {
      const input = document.querySelector(`#filtre [name="${CSS.escape(name)}"]`);
      const label = input && input.closest("label");
      const own = label ? [...label.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE) : [];
      return own.map((c) => c.textContent).join(" ").trim() || name;
    });
    return labels.length
      ? `Søgningen kunne ikke udføres: ${labels.map((l) => `»${l}«`).join(", ")} er ikke gyldig. Ret feltet og søg igen.`
      : "Søgningen kunne ikke udføres. Ret filtrene og søg igen.";
  }

  document.getElementById("csv").href = config.csv;
  document.getElementById("gpkg").href = config.gpkg;
  const map = L.map("arealer-map", { zoomSnap: 0.25 });
  // Streets and letbane stops of the network's year, under the plots, for bearings.
  const under = map.createPane("under");
  under.style.zIndex = 350;
  for (const url of config.context) {
    fetch(url)
      .then((r) => (r.ok ? r.json() : null))
      .then((fc) => {
        if (!fc) return;
        L.geoJSON(fc, {
          pane: "under",
          style: () => ({ color: "#888", weight: 2 }),
          pointToLayer: (f, ll) =>
            L.circleMarker(ll, { pane: "under", radius: 5, color: "#000", fillColor: "#fff", fillOpacity: 1, weight: 2 })
              .bindTooltip(`Letbanestop ${text(f.properties.name)}`),
        }).addTo(map);
      })
      .catch((e) => console.error("arealer: context", e));
  }
  // While the plots load, and when they cannot be had: said in Danish (aria-live), with a
  // way to try again, never a blank map.
  const loading = document.getElementById("loading");
  const problem = document.getElementById("problem");

  function failed(e) {
    loading.hidden = true;
    problem.textContent = "Arealerne kunne ikke hentes – prøv igen. ";
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = "Prøv igen";
    again.addEventListener("click", load);
    problem.append(again);
    problem.hidden = false;
    if (!map._loaded) map.setView([55.41, 10.43], 14);
    document.body.dataset.failed = String(e);
    console.warn("arealer:", String(e));
  }

  let layer = null;
  function load() {
    problem.hidden = true;
    loading.hidden = false;
    delete document.body.dataset.failed;
    fetch(config.data)
      .then(async (r) => {
        let body = null;
        try { body = await r.json(); } catch (err) { body = null; }
        // A refused filter (4xx with a problem naming the field) is the planner's to fix;
        // anything else (a 500, a body that is not JSON) is the server's.
        if (!r.ok && (r.status >= 500 || !body)) throw new Error(`HTTP ${r.status}`);
        if (r.ok && !body) throw new Error("svaret var ikke GeoJSON");
        return { ok: r.ok, body };
      })
      .then(({ ok, body }) => {
        loading.hidden = true;
        if (!ok) {
          problem.textContent = problemText(body);
          problem.hidden = false;
          map.setView([55.41, 10.43], 14);
          document.body.dataset.rendered = "problem";
          return;
        }
        drawn.length = 0;
        if (layer) layer.remove();
        layer = L.geoJSON(body, {
          style: (f) => style(f.properties),
          onEachFeature: (f, l) => {
            l.bindPopup(popup(f.properties));
            drawn.push({ label: f.properties.plot_label, status: f.properties.sale_status });
          },
        }).addTo(map);
        if (body.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
        else map.setView([55.41, 10.43], 14);
        table(body.features);
        summary(body.summary);
        document.body.dataset.rendered = "ok";
      })
      .catch(failed);
  }
  load();

  window.arealer = { drawn: () => drawn, map };
})();
