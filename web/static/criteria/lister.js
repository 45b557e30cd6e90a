/* The list-status map: every almen housing area coloured by its status in the year, a dashed
   outline in the colour of a list it approaches. Data: GET /criteria/areas?year=Y. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("lister-config").textContent);
  // Choosing a year shows it at once (without script, the form's own button does).
  const yearSelect = document.getElementById("year-select");
  yearSelect.addEventListener("change", () => yearSelect.form.submit());
  const colourOf = {};
  for (const s of config.styles) for (const k of s.keys) colourOf[k] = s.colour;
  const drawn = [];

  function style(p) {
    const approached = p.approaching.length ? p.approaching[0].key : null;
    return {
      fillColor: colourOf[p.status_key] || "#ffffff",
      fillOpacity: 0.8,
      color: approached ? colourOf[approached] : "#333333",
      weight: approached ? 4 : 1,
      dashArray: approached ? "6 4" : null,
    };
  }

  function text(s) {
    const d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }

  // Invented figures are marked wherever a status built on them is shown.
  function mark(p) {
    return p.illustrative ? ' <span class="illustrative-mark">(illustrativ)</span>' : "";
  }

  function popup(p) {
    const near = p.approaching.map((a) => a.name).join(", ") || "–";
    return (
      `<div class="popup"><h3>${text(p.name)}</h3>` +
      `<p><strong>${text(p.status)}</strong>${mark(p)} (${p.year})<br>Nærmer sig: ${text(near)}</p>` +
      `<ul>${p.reasons.map((r) => `<li>${text(r)}</li>`).join("")}</ul>` +
      `<p class="undecided">${p.illustrative ? "Illustrative værdier." : text(p.data_source || "")}</p></div>`
    );
  }

  function table(features) {
    const body = document.querySelector("#lister-tabel tbody");
    body.innerHTML = features
      .map((f) => {
        const p = f.properties;
        const near = p.approaching.map((a) => a.name).join(", ") || "–";
        return (
          `<tr data-slug="${text(p.slug)}" data-status="${text(p.status_key)}">` +
          `<td>${text(p.name)}</td><td>${text(p.status)}${mark(p)}</td><td>${text(near)}</td>` +
          `<td>${text(p.reason)}</td></tr>`
        );
      })
      .join("");
  }

  const map = L.map("lister-map", { zoomSnap: 0.25 });
  // While the areas load, and when they cannot be had (web/static/loading.js).
  const state = window.vmLoading("Listestatus", load, "listestatus");
  let layer = null;

  function failed(e) {
    state.failed(e);
    if (!map._loaded) map.setView([55.396, 10.39], 12);
  }

  function load() {
    state.start();
    fetch(config.data)
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.json();
      })
      .then((fc) => {
        state.done();
        drawn.length = 0;
        if (layer) layer.remove();
        layer = L.geoJSON(fc, {
          style: (f) => style(f.properties),
          onEachFeature: (f, l) => {
            l.bindPopup(popup(f.properties));
            l.bindTooltip(text(f.properties.name), { className: "lbl", permanent: true, direction: "center" });
            drawn.push({ slug: f.properties.slug, status_key: f.properties.status_key, style: style(f.properties) });
          },
        }).addTo(map);
        if (fc.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
        else map.setView([55.396, 10.39], 12);
        table(fc.features);
        document.body.dataset.rendered = String(config.year);
      })
      .catch(failed);
  }
  load();

  window.lister = { drawn: () => drawn, map };
})();
