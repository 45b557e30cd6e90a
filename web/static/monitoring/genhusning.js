/* Odense: the replacement almene dwellings (circles by size) over the monitored almene areas
   coloured by their list status, the city-wide watch of /kort/lister. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("genhusning-config").textContent);
  const map = L.map("genhusning-map", { zoomSnap: 0.25 }).setView([55.39, 10.39], 12);

  function text(s) {
    const d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }

  const get = (url) =>
    fetch(url).then((r) => {
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return r.json();
    });

  // While the map's data load, and when they cannot be had (web/static/loading.js).
  const state = window.vmLoading("Kortets data", load, "genhusning");
  const failed = state.failed;
  let drawn = [];

  function load() {
    state.start();
    Promise.all([get(config.areas), get(config.replacement)])
    .then(([areas, rep]) => {
      state.done();
      drawn.forEach((l) => l.remove());
      const colourOf = {};
      for (const s of config.styles) for (const k of s.keys) colourOf[k] = s.colour;
      const areaLayer = L.geoJSON(areas, {
        style: (f) => ({
          fillColor: colourOf[f.properties.status_key] || "#cccccc",
          fillOpacity: 0.6,
          color: "#333333",
          weight: 1,
        }),
        onEachFeature: (f, l) =>
          l.bindTooltip(
            `${text(f.properties.name)}: ${text(f.properties.status)}` +
              (f.properties.illustrative ? " (illustrativ)" : ""),
          ),
      }).addTo(map);
      const points = L.geoJSON(rep, {
        pointToLayer: (f, ll) =>
          L.circleMarker(ll, {
            radius: 4 + Math.sqrt(f.properties.dwellings),
            color: "#1f5fbf",
            weight: 2,
            dashArray: f.properties.decided ? null : "4 3",
            fillOpacity: 0.5,
          }),
        onEachFeature: (f, l) =>
          l.bindTooltip(
            `${text(f.properties.name)}: ${f.properties.dwellings} boliger, ${f.properties.year}` +
              (f.properties.illustrative ? " (illustrativ)" : ""),
          ),
      }).addTo(map);
      const bounds = areaLayer.getBounds();
      if (points.getLayers().length) bounds.extend(points.getBounds());
      drawn = [areaLayer, points];
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
      document.body.dataset.rendered = "1";
    })
    .catch(failed);
  }
  load();

  window.genhusning = { map };
})();
