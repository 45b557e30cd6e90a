/* Fremtidens Vollsmose: the map viewer.
 *
 * State lives in the URL (?year=&layers=&base=&view=&compare=&scenario=&recorded=), so a link
 * reproduces a view. Every read names the version of the plan shown: the scenario (default
 * "vedtaget", the adopted plan) and the recorded time (empty: now).
 * Styles come from the server (gis/styles.py, the same definition the static maps use);
 * each feature arrives with its class in `properties.style`.
 */
(function () {
  "use strict";

  const CONFIG = JSON.parse(document.getElementById("kort-config").textContent);
  const STYLES = CONFIG.styles;
  const LAYERS = STYLES.layers; // bottom first
  const BY_ID = Object.fromEntries(LAYERS.map((l) => [l.layer, l]));
  // Layers the same in every year (the quarters are not: they show their colours once formed).
  const LIFE_LESS = new Set(["areas", "departments", "parcels", "local_plans"]);
  const MIN_YEAR = STYLES.min_year;
  const MAX_YEAR = STYLES.max_year;
  const SVGNS = "http://www.w3.org/2000/svg";
  const PHONE = window.matchMedia("(max-width: 700px)");
  const cache = new Map(); // "layer|year|scenario|recorded" -> Promise<GeoJSON>
  const ADOPTED = "vedtaget";
  const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  // After an edit the server's layers changed under the same URLs: skip the browser's cache.
  let fresh = false;

  // ---- state and URL ---------------------------------------------------------------------
  function clampYear(v, fallback) {
    const n = parseInt(v, 10);
    return Number.isFinite(n) ? Math.min(MAX_YEAR, Math.max(MIN_YEAR, n)) : fallback;
  }

  // The version of the plan a link names (scenario=, recorded=), the adopted plan now if none.
  function readPlan(q) {
    return {
      scenario: SLUG.test(q.get("scenario") || "") ? q.get("scenario") : ADOPTED,
      recorded: DATE.test(q.get("recorded") || "") ? q.get("recorded") : "",
    };
  }

  function readState() {
    const q = new URLSearchParams(location.search);
    const defaults = LAYERS.filter((l) => l.default_on).map((l) => l.layer);
    const known = new Set([...LAYERS.map((l) => l.layer), ...CONFIG.overlays.map((o) => "overlay:" + o.id)]);
    let layers = defaults;
    if (q.has("layers")) {
      layers = q.get("layers").split(",").filter((x) => known.has(x));
    }
    let view = null;
    if (q.has("view")) {
      const p = q.get("view").split(",").map(Number);
      if (p.length === 3 && p.every(Number.isFinite)) view = p;
    }
    // A link whose year the server could not show (link_notice): the year it chose instead.
    const stale = Boolean(CONFIG.link_notice);
    const compare = stale ? CONFIG.compare : q.has("compare") ? clampYear(q.get("compare"), null) : null;
    return {
      year: stale ? CONFIG.year : clampYear(q.get("year"), CONFIG.year || 2020),
      compare: compare,
      layers: new Set(layers),
      base: q.get("base") === "osm" ? "osm" : "blank",
      view: view,
      ...readPlan(q),
    };
  }

  // The version of the plan shown, as query parameters ("" for the adopted plan now).
  function planQuery(st) {
    const s = st || state;
    const q = new URLSearchParams();
    if (s.scenario !== ADOPTED) q.set("scenario", s.scenario);
    if (s.recorded) q.set("recorded", s.recorded);
    const t = q.toString();
    return t ? "&" + t : "";
  }

  const state = readState();

  // `push`: a person's change of what the map shows (the year, the scenario, the recorded
  // time) is a step in the browser's history, so Back returns to it; a pan or a layer toggle
  // replaces the entry.
  function writeUrl(push) {
    const q = new URLSearchParams();
    q.set("year", state.year);
    if (state.compare !== null) q.set("compare", state.compare);
    q.set("layers", [...state.layers].join(","));
    q.set("base", state.base);
    if (state.view) q.set("view", state.view.map((v, i) => (i < 2 ? v.toFixed(5) : v)).join(","));
    if (state.scenario !== ADOPTED) q.set("scenario", state.scenario);
    if (state.recorded) q.set("recorded", state.recorded);
    const url = location.pathname + "?" + q.toString().replace(/%2C/g, ",").replace(/%3A/g, ":");
    const was = new URLSearchParams(location.search);
    const moved = ["year", "scenario", "recorded"].some((k) => (was.get(k) || "") !== (q.get(k) || ""));
    if (push === true && moved) history.pushState(null, "", url);
    else history.replaceState(null, "", url);
    const area = CONFIG.area || "vollsmose";
    document.getElementById("print-link").href = `/maps/fremtidsbillede/${state.year}.pdf?area=${area}${printQuery()}${planQuery()}`;
    document.getElementById("tif-link").href = `/maps/fremtidsbillede/${state.year}.tif?area=${area}${planQuery()}`;
    const shown = [...state.layers].filter((l) => !l.startsWith("overlay:")).join(",");
    const seen = state.view ? `&view=${state.view.map((v, i) => (i < 2 ? v.toFixed(5) : v)).join(",")}` : "";
    document.getElementById("share-link").href = `/kort/del/${state.year}.html?area=${area}&layers=${shown}${seen}${planQuery()}`;
    document.querySelectorAll("a[data-plan-link]").forEach((a) => {
      const base = a.dataset.planLink;
      const extra = planQuery().slice(1);
      a.href = extra ? base + (base.includes("?") ? "&" : "?") + extra : base;
    });
  }

  // The print map's extent and scale: the whole area, the map as on screen, or a scale
  // (1:N on A3) centred where the screen is.
  function printQuery() {
    const choice = document.getElementById("print-scale").value;
    if (choice === "area") return "";
    const b = paneA.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
    return `&bbox=${bbox}` + (choice === "view" ? "" : `&scale=${choice}`);
  }

  // ---- data ------------------------------------------------------------------------------
  function fetchLayer(layer, year) {
    const y = LIFE_LESS.has(layer) ? 0 : year;
    const key = [layer, y, state.scenario, state.recorded].join("|");
    if (!cache.has(key)) {
      const url = `/kort/lag/${layer.replace(/_/g, "-")}.geojson?year=${year}${planQuery()}`;
      const p = fetch(url, fresh ? { cache: "reload" } : {}).then(async (r) => {
        if (!r.ok) {
          const problem = await r.json().catch(() => ({}));
          const err = new Error(`lag ${layer}: HTTP ${r.status}`);
          err.status = r.status;
          err.parameter = ((problem.errors || [])[0] || {}).parameter || (r.status === 404 && /scenario/i.test(problem.detail || "") ? "scenario" : null);
          throw err;
        }
        return r.json();
      });
      p.catch(() => cache.delete(key));
      cache.set(key, p);
    }
    return cache.get(key);
  }

  // ---- styling ---------------------------------------------------------------------------
  function classOf(layer, feature) {
    const def = BY_ID[layer];
    const key = feature.properties.style;
    return def.classes.find((c) => c.key === key) || def.classes[0];
  }

  function hatchId(pane, layer, cls) {
    return `hatch-${pane.id}-${layer}-${cls.key}`;
  }

  function pathStyle(pane, layer, feature) {
    const c = classOf(layer, feature);
    let fill = c.fill;
    const ownColour = layer === "quarters" && c.key === "quarter"; // not before they are formed
    if ((layer === "buildings" && c.key.startsWith("new")) || ownColour) {
      fill = feature.properties.colour || fill;
    }
    const s = {
      color: ownColour ? feature.properties.colour || c.stroke : c.stroke || "#000",
      weight: c.width,
      opacity: c.stroke ? 1 : 0,
      dashArray: c.dash || null,
      fill: Boolean(c.fill),
      fillColor: c.hatch ? `url(#${hatchId(pane, layer, c)})` : fill,
      fillOpacity: c.fill_opacity,
    };
    return s;
  }

  function addHatches(pane) {
    const svg = pane.renderer._container;
    const defs = document.createElementNS(SVGNS, "defs");
    for (const l of LAYERS) {
      for (const c of l.classes) {
        if (!c.hatch) continue;
        const pat = document.createElementNS(SVGNS, "pattern");
        pat.setAttribute("id", hatchId(pane, l.layer, c));
        pat.setAttribute("patternUnits", "userSpaceOnUse");
        pat.setAttribute("width", "6");
        pat.setAttribute("height", "6");
        pat.setAttribute("patternTransform", "rotate(45)");
        const bg = document.createElementNS(SVGNS, "rect");
        bg.setAttribute("width", "6");
        bg.setAttribute("height", "6");
        bg.setAttribute("fill", c.fill || "#fff");
        const ln = document.createElementNS(SVGNS, "line");
        ln.setAttribute("x1", "0");
        ln.setAttribute("y1", "0");
        ln.setAttribute("x2", "0");
        ln.setAttribute("y2", "6");
        ln.setAttribute("stroke", c.stroke || "#000");
        ln.setAttribute("stroke-width", "2");
        pat.append(bg, ln);
        defs.append(pat);
      }
    }
    svg.insertBefore(defs, svg.firstChild);
  }

  // ---- popups ----------------------------------------------------------------------------
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, (ch) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch]));
  }

  function inYear(start, end, year) {
    return (start === null || start < year) && (end === null || end >= year);
  }

  // Where the building's values come from: the register, its extract and record id (issue 17).
  function provenance(b) {
    if (!b.source_register) return "Kilde: referencedatasættet (illustrativt, ikke opmålt)";
    const name = { bbr: "BBR", matrikel: "Matriklen", dar: "DAR", plandata: "Plandata.dk" }[b.source_register] || b.source_register;
    const date = b.source_extract_date
      ? new Date(b.source_extract_date + "T12:00:00").toLocaleDateString("da-DK", { day: "numeric", month: "long", year: "numeric" })
      : "ukendt dato";
    return `Kilde: ${name}, udtræk af ${date}, id ${b.source_id}`;
  }

  function buildingPopup(pane, feature, layer) {
    layer.bindPopup("<div class='popup'>Henter …</div>", { maxWidth: 360 }).openPopup();
    fetch(`/kort/bygninger/${feature.id}.json?${planQuery().slice(1)}`, { cache: "no-store" }).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then((b) => {
      const year = pane.year;
      const stock = b.stock.filter((s) => inYear(s.start_year, s.end_year, year));
      const dwellings = stock.reduce((n, s) => n + s.dwellings, 0);
      const rows = [
        ["Afdeling", b.department], ["Ejer", b.owner], ["Ejerforhold (BBR)", b.ejerforhold_label],
        ["Anvendelse", b.use_label], ["Etager", b.storeys], ["Opført", b.construction_year || b.built_year],
        ["Kvarter", feature.properties.quarter_name], ["Adresse", (b.addresses || []).join(", ")],
      ].filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "");
      const tenure = stock.map((s) => `<li>${esc(s.dwellings)} ${esc(s.tenure_label.toLowerCase())}</li>`).join("");
      const life = b.events.map((e) => `<li${e.decided ? "" : " class='undecided'"}>${esc(e.year)}: ${esc(e.event)}${e.decided ? "" : " (ikke besluttet)"}</li>`).join("");
      layer.setPopupContent(
        `<div class='popup building-popup'><h3>${esc(b.name || "Bygning " + b.id)}</h3>` +
        `<table>${rows.map((r) => `<tr><th>${esc(r[0])}</th><td>${esc(r[1])}</td></tr>`).join("")}</table>` +
        `<p><strong>${dwellings} boliger</strong> pr. 1. januar ${year}</p><ul>${tenure}</ul>` +
        `<strong>Livsforløb</strong><ul class='life'>${life || "<li>Ingen ændringer registreret</li>"}</ul>` +
        `<p class='popup-note provenance'>${esc(provenance(b))}</p>` +
        editButton("buildings", feature.id) + "</div>");
    }).catch(() => layer.setPopupContent("<div class='popup'>Bygningen kunne ikke hentes.</div>"));
  }

  function quarterPopup(pane, feature, layer, latlng) {
    const p = feature.properties;
    const popup = L.popup({ maxWidth: 340 }).setLatLng(latlng).setContent("<div class='popup'>Henter …</div>").openOn(pane.map);
    fetch(`/kort/kvarterer/${p.area}/${p.quarter_set}/${p.slug}.json?${planQuery().slice(1)}`).then((r) => {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then((q) => {
      const legend = q.tenures.filter((t) => q.years.some((y) => y.dwellings[t.key] > 0))
        .map((t) => `<span class='row'><svg width='10' height='10'><rect width='10' height='10' fill='${t.colour}'/></svg>${esc(t.label)}</span>`).join("");
      const limit = pct(CONFIG.max_legal_share);
      const dept = q.quarter_set === "afdelinger";
      popup.setContent(`<div class='popup quarter-popup'><h3>${esc(q.name)}</h3>${q.svg}<div class='legend-inline'>${legend}</div>` +
        `<p class='popup-note'>${dept ? "Afdelingens" : "Kvarterets"} andel er kun til orientering: lovens grænse på ${limit} (almenboligloven § 168 a) gælder hele området, ikke ${dept ? "den enkelte afdeling" : "det enkelte kvarter"}.</p>` +
        `<p><a href='/kort/omraader/${esc(q.area)}?quarters=${esc(q.quarter_set)}'>Hele området år for år</a></p></div>`);
    }).catch(() => popup.setContent("<div class='popup'>Kvarterets tal kunne ikke hentes.</div>"));
  }

  // A lokalplan or one of its delområder (Plandata.dk, issue 17); the reference data's
  // illustrative plan says it is one.
  const PLAN_STATUS = { forslag: "Forslag", vedtaget: "Vedtaget", aflyst: "Aflyst" };
  const num1 = (v) => Number(v).toLocaleString("da-DK", { maximumFractionDigits: 1 });
  function danishDay(iso) {
    return iso ? new Date(iso + "T12:00:00").toLocaleDateString("da-DK", { day: "numeric", month: "long", year: "numeric" }) : null;
  }
  function localPlanPopup(f) {
    const p = f.properties;
    const sub = p.kind === "delomraade";
    const rows = [
      ["Lokalplan", [p.plan_number, p.plan_name].filter(Boolean).join(": ")],
      ["Delområde", sub ? p.subarea : null],
      ["Anvendelse", p.general_use],
      ["Bebyggelsesprocent", p.plot_ratio_pct === null || p.plot_ratio_pct === undefined ? null : num1(p.plot_ratio_pct) + " %"],
      ["Max. højde", p.max_height_m === null || p.max_height_m === undefined ? null : num1(p.max_height_m) + " m"],
      ["Max. etager", p.max_storeys],
      ["Status", PLAN_STATUS[p.status] || p.status],
      ["Forslag offentliggjort", danishDay(p.proposed_date)], ["Vedtaget den", danishDay(p.adopted_date)],
    ].filter((r) => r[1] !== null && r[1] !== undefined && r[1] !== "");
    const source = p.source_register
      ? provenance(p)
      : "Illustrativ lokalplan i referencedatasættet: opfundet, ikke fra Plandata.dk";
    const doc = p.document_url && /^https?:\/\//.test(p.document_url)
      ? `<p><a href='${esc(p.document_url)}' target='_blank' rel='noopener'>Planens dokument</a></p>` : "";
    return `<div class='popup local-plan-popup'><h3>${esc(sub ? "Delområde " + (p.subarea || "") : p.plan_name || "Lokalplan")}</h3>` +
      `<table>${rows.map((r) => `<tr><th>${esc(r[0])}</th><td>${esc(r[1])}</td></tr>`).join("")}</table>${doc}` +
      `<p class='popup-note provenance${p.source_register ? "" : " illustrative"}'>${esc(source)}</p></div>`;
  }

  // The editor (kort-edit.js) opens a feature from this button; shown only when one may edit.
  function editButton(layer, id) {
    return `<p class='edit-row'><button type='button' class='edit-btn' data-edit-layer='${esc(layer)}' data-edit-id='${esc(id)}'>Redigér</button></p>`;
  }

  // ---- a map pane ------------------------------------------------------------------------
  function makePane(id, el, labelEl, view) {
    const map = L.map(el, { zoomControl: true, preferCanvas: false, zoomSnap: 0.25 });
    view(map); // a renderer is only added to a map that has a view
    const renderer = L.svg({ padding: 0.3 }).addTo(map);
    const pane = { id, map, renderer, labelEl, year: null, groups: {}, overlays: {}, drawn: {}, features: {}, byId: {}, labels: [] };
    addHatches(pane);
    L.control.scale({ imperial: false, position: "bottomright", maxWidth: 160 }).addTo(map);
    // The header and panels around the map change height (fonts, the share, a login): keep
    // Leaflet's idea of the map's size true, or the top of the map hides under the header.
    new ResizeObserver(() => map.invalidateSize({ animate: false })).observe(el);
    map.on("zoomend moveend", () => requestAnimationFrame(() => declutter(pane)));
    pane.changes = L.layerGroup().addTo(map);
    pane.bases = {
      blank: L.layerGroup(),
      osm: L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19, attribution: "© OpenStreetMap-bidragydere",
      }),
    };
    for (const l of LAYERS) pane.groups[l.layer] = L.layerGroup();
    for (const o of CONFIG.overlays) {
      pane.overlays["overlay:" + o.id] = L.imageOverlay(`/kort/overlays/${o.id}.png`, o.bounds, { opacity: 0.65, interactive: false });
    }
    return pane;
  }

  // ---- labels that do not overlap --------------------------------------------------------
  // Permanent labels (stops, facilities) in priority order: one that would overlap a label
  // already shown, or reach beyond the map's edge, is hidden until a zoom makes room for it.
  const LABEL_PRIORITY = ["rail_stops", "facilities"];
  function declutter(pane) {
    const box = pane.map.getContainer().getBoundingClientRect();
    const kept = [];
    const order = [...pane.labels].sort((a, b) => LABEL_PRIORITY.indexOf(a.layer) - LABEL_PRIORITY.indexOf(b.layer));
    let hidden = 0;
    for (const item of order) {
      const el = item.tooltip.getElement && item.tooltip.getElement();
      if (!el) continue;
      el.style.visibility = "";
      const r = el.getBoundingClientRect();
      const outside = r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom;
      const overlaps = kept.some((k) => r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top);
      if (outside || overlaps) {
        el.style.visibility = "hidden";
        el.dataset.hidden = "1";
        hidden += 1;
      } else {
        delete el.dataset.hidden;
        kept.push(r);
      }
    }
    pane.labelsHidden = hidden;
  }

  // ---- the keyboard reaches every feature ---------------------------------------------
  // Leaflet's vector features are SVG paths without focus: each gets a tab stop and a name,
  // and Enter or Space opens it as a click does.
  function focusable(pane, lyr, name, layer) {
    const el = lyr.getElement && lyr.getElement();
    if (!el || el.hasAttribute("tabindex")) return;
    el.setAttribute("tabindex", "0");
    el.dataset.layer = layer;
    el.setAttribute("role", "button");
    el.setAttribute("aria-label", name);
    el.addEventListener("keydown", (ev) => {
      // Escape closes the popup the feature opened (Leaflet's own key handling needs the
      // focus on the map itself, not on a feature in it).
      if (ev.key === "Escape") { pane.map.closePopup(); return; }
      if (ev.key !== "Enter" && ev.key !== " ") return;
      ev.preventDefault();
      const latlng = lyr.getLatLng ? lyr.getLatLng() : lyr.getBounds().getCenter();
      lyr.fire("click", { latlng, originalEvent: ev });
    });
  }

  function drawLayer(pane, layer, data) {
    const def = BY_ID[layer];
    if (layer === "local_plans") {
      data = { ...data, features: [...data.features].sort((a, b) => (a.properties.kind === "delomraade") - (b.properties.kind === "delomraade")) };
    }
    const group = pane.groups[layer];
    group.clearLayers();
    pane.labels = pane.labels.filter((l) => l.layer !== layer);
    const byId = (pane.byId[layer] = new Map());
    const gj = L.geoJSON(data, {
      renderer: pane.renderer,
      style: (f) => pathStyle(pane, layer, f),
      pointToLayer: (f, latlng) => {
        const c = classOf(layer, f);
        return L.circleMarker(latlng, {
          renderer: pane.renderer, radius: c.radius || 5, color: c.stroke, weight: c.width,
          fillColor: c.fill, fillOpacity: c.fill_opacity, dashArray: c.dash || null,
        });
      },
      onEachFeature: (f, lyr) => {
        byId.set(f.id, lyr);
        const cls = classOf(layer, f);
        const name = `${f.properties.name || def.title}: ${cls.label}`;
        lyr.on("add", () => focusable(pane, lyr, name, layer));
        if (def.label && f.properties[def.label] && (layer === "facilities" || layer === "rail_stops")) {
          lyr.bindTooltip(esc(f.properties[def.label]), { permanent: true, direction: "right", className: "lbl", offset: [6, 0] });
          pane.labels.push({ layer, tooltip: lyr.getTooltip() });
        } else if (def.label && f.properties[def.label]) {
          lyr.bindTooltip(esc(f.properties[def.label]), { sticky: true });
        }
        if (layer === "local_plans") lyr.bindPopup(localPlanPopup(f), { maxWidth: 360 });
        else if (layer === "buildings") lyr.on("click", (e) => { L.DomEvent.stop(e); buildingPopup(pane, f, lyr); });
        else if (layer === "quarters" || layer === "departments") lyr.on("click", (e) => quarterPopup(pane, f, lyr, e.latlng));
        else if (layer === "facilities" || layer === "rail_stops" || layer === "roads" || layer === "rail_lines") {
          const p = f.properties;
          const life = [p.opening_year ? "åbner " + p.opening_year : null, p.closing_year ? "lukker " + p.closing_year : null,
            p.decided === false ? "ikke besluttet" : null].filter(Boolean).join(", ");
          lyr.bindPopup(`<div class='popup feature-popup'><h3>${esc(p.name || def.title)}</h3>${esc(classOf(layer, f).label)}${life ? "<br>" + esc(life) : ""}${p.source_register ? `<p class='popup-note provenance'>${esc(provenance(p))}</p>` : ""}${editButton(layer, f.id)}</div>`);
        }
      },
    });
    gj.addTo(group);
    pane.drawn[layer] = data.features.length;
    pane.features[layer] = data.features.map((f) => ({ id: f.id, name: f.properties.name || null, style: f.properties.style }));
  }

  async function showYear(pane, year) {
    pane.year = year;
    pane.labelEl.textContent = `1. januar ${year}`;
    const wanted = LAYERS.map((l) => l.layer).filter((l) => state.layers.has(l));
    const datas = await Promise.all(wanted.map((l) => fetchLayer(l, year)));
    if (pane.year !== year) return false; // a later switch won
    wanted.forEach((l, i) => drawLayer(pane, l, datas[i]));
    for (const l of LAYERS) {
      if (!state.layers.has(l.layer)) {
        pane.groups[l.layer].clearLayers(); delete pane.drawn[l.layer]; delete pane.features[l.layer]; delete pane.byId[l.layer];
        pane.labels = pane.labels.filter((x) => x.layer !== l.layer);
      }
    }
    return true;
  }

  function applyLayers(pane) {
    for (const l of LAYERS) {
      const g = pane.groups[l.layer];
      if (state.layers.has(l.layer)) { if (!pane.map.hasLayer(g)) g.addTo(pane.map); } else if (pane.map.hasLayer(g)) pane.map.removeLayer(g);
    }
    for (const [key, ov] of Object.entries(pane.overlays)) {
      if (state.layers.has(key)) { if (!pane.map.hasLayer(ov)) ov.addTo(pane.map); } else if (pane.map.hasLayer(ov)) pane.map.removeLayer(ov);
    }
    // Keep the drawing order of the styling definition whatever order layers were switched on.
    for (const l of LAYERS) {
      if (pane.map.hasLayer(pane.groups[l.layer])) pane.groups[l.layer].eachLayer((gj) => gj.eachLayer((f) => f.bringToFront && f.bringToFront()));
    }
  }

  function applyBase(pane) {
    for (const [k, b] of Object.entries(pane.bases)) {
      if (k === state.base) { if (!pane.map.hasLayer(b)) b.addTo(pane.map); } else if (pane.map.hasLayer(b)) pane.map.removeLayer(b);
    }
  }

  // ---- what changed between the two years compared ---------------------------------------
  // The right map marks every feature that is new, or in another class (renovated, to be
  // demolished...), since the left map's year, and outlines what is gone.
  const CHANGE_LAYERS = ["buildings", "roads", "rail_lines", "rail_stops", "facilities"];
  const CHANGE_STYLE = { color: "#e7298a", weight: 3, opacity: 1, fill: false, dashArray: null };
  const GONE_STYLE = { color: "#e7298a", weight: 2, opacity: 1, fill: false, dashArray: "4 3" };

  async function markChanges() {
    for (const p of [paneA, paneB]) {
      if (!p) continue;
      p.changes.clearLayers();
      p.changed = { added: 0, changed: 0, removed: 0 };
    }
    if (!paneB || state.compare === null) { showChangeLabel(); return; }
    for (const layer of CHANGE_LAYERS) {
      if (!state.layers.has(layer)) continue;
      const [before, after] = await Promise.all([fetchLayer(layer, state.year), fetchLayer(layer, state.compare)]);
      const was = new Map(before.features.map((f) => [f.id, f]));
      const now = new Set();
      for (const f of after.features) {
        now.add(f.id);
        const old = was.get(f.id);
        if (old && old.properties.style === f.properties.style) continue;
        paneB.changed[old ? "changed" : "added"] += 1;
        L.geoJSON(f, {
          renderer: paneB.renderer, interactive: false, style: () => CHANGE_STYLE,
          pointToLayer: (_, ll) => L.circleMarker(ll, { renderer: paneB.renderer, radius: 9, interactive: false, ...CHANGE_STYLE }),
        }).addTo(paneB.changes).eachLayer((l) => l.getElement && l.getElement() && l.getElement().classList.add(old ? "change-changed" : "change-added"));
      }
      for (const f of before.features) {
        if (now.has(f.id)) continue;
        paneB.changed.removed += 1;
        L.geoJSON(f, {
          renderer: paneB.renderer, interactive: false, style: () => GONE_STYLE,
          pointToLayer: (_, ll) => L.circleMarker(ll, { renderer: paneB.renderer, radius: 9, interactive: false, ...GONE_STYLE }),
        }).addTo(paneB.changes).eachLayer((l) => l.getElement && l.getElement() && l.getElement().classList.add("change-removed"));
      }
    }
    showChangeLabel();
  }

  function showChangeLabel() {
    const el = document.getElementById("pane-b-year");
    if (!paneB || state.compare === null) return;
    const c = paneB.changed || { added: 0, changed: 0, removed: 0 };
    el.textContent = `1. januar ${state.compare}: ${c.added} nye, ${c.changed} ændrede, ${c.removed} fjernet siden ${state.year}`;
    el.dataset.added = c.added;
    el.dataset.changed = c.changed;
    el.dataset.removed = c.removed;
  }

  // ---- legend ----------------------------------------------------------------------------
  function swatch(def, c) {
    const hatch = c.hatch ? `<pattern id='lg-${def.layer}-${c.key}' patternUnits='userSpaceOnUse' width='5' height='5' patternTransform='rotate(45)'><rect width='5' height='5' fill='${c.fill || "#fff"}'/><line x1='0' y1='0' x2='0' y2='5' stroke='${c.stroke}' stroke-width='1.6'/></pattern>` : "";
    let shape;
    if (c.radius) shape = `<circle cx='11' cy='7' r='${Math.min(c.radius, 6)}' fill='${c.fill}' stroke='${c.stroke}' stroke-width='${Math.min(c.width, 2)}'/>`;
    else if (c.fill) shape = `<rect x='2' y='1' width='18' height='12' fill='${c.hatch ? `url(#lg-${def.layer}-${c.key})` : c.fill}' fill-opacity='${Math.max(c.fill_opacity, 0.35)}' stroke='${c.stroke || "none"}' stroke-width='1' ${c.dash ? `stroke-dasharray='${c.dash}'` : ""}/>`;
    else shape = `<line x1='1' y1='7' x2='21' y2='7' stroke='${c.stroke}' stroke-width='${Math.min(c.width, 5)}' ${c.dash ? `stroke-dasharray='${c.dash}'` : ""}/>`;
    return `<svg width='22' height='14'><defs>${hatch}</defs>${shape}</svg>`;
  }

  async function drawLegend() {
    const el = document.getElementById("legend");
    let html = "<h2>Signaturforklaring</h2>";
    for (const def of [...LAYERS].reverse()) {
      if (!state.layers.has(def.layer)) continue;
      html += `<h3>${esc(def.title)}</h3>`;
      if (def.layer === "quarters") {
        const data = await fetchLayer("quarters", state.year);
        const future = def.classes.find((c) => c.key === "quarter_future");
        if (data.features.length && data.features[0].properties.style === future.key) {
          html += `<div class='row' data-class='quarters:${future.key}'>${swatch(def, future)}${esc(future.label)}</div>`;
          continue;
        }
        for (const f of data.features) {
          html += `<div class='row'>${swatch(def, { ...def.classes[0], fill: f.properties.colour, stroke: f.properties.colour, fill_opacity: 0.5 })}${esc(f.properties.name)}</div>`;
        }
        continue;
      }
      // Only the classes drawn in the year(s) shown.
      const years = state.compare === null ? [state.year] : [state.year, state.compare];
      const datas = await Promise.all(years.map((y) => fetchLayer(def.layer, y)));
      const present = new Set(datas.flatMap((d) => d.features.map((f) => f.properties.style)));
      for (const c of def.classes) {
        if (present.has(c.key)) html += `<div class='row' data-class='${def.layer}:${c.key}'>${swatch(def, c)}${esc(c.label)}</div>`;
      }
      if (!present.size) html += "<div class='row empty'>(intet i året)</div>";
      if (def.layer === "local_plans" && datas.some((d) => d.features.some((f) => !f.properties.source_register))) {
        html += "<div class='row note illustrative' data-class='local_plans:illustrative'>Illustrativ lokalplan (referencedata, ikke fra Plandata.dk)</div>";
      }
    }
    for (const o of CONFIG.overlays) if (state.layers.has("overlay:" + o.id)) html += `<h3>Rasterlag</h3><div class='row'>${esc(o.title)}</div>`;
    if (state.compare !== null) {
      html += `<h3>Ændringer (højre kort)</h3>` +
        `<div class='row' data-class='change:changed'><svg width='22' height='14'><rect x='2' y='1' width='18' height='12' fill='none' stroke='${CHANGE_STYLE.color}' stroke-width='3'/></svg>Ny eller ændret siden ${state.year}</div>` +
        `<div class='row' data-class='change:removed'><svg width='22' height='14'><rect x='2' y='1' width='18' height='12' fill='none' stroke='${GONE_STYLE.color}' stroke-width='2' stroke-dasharray='4 3'/></svg>Fjernet siden ${state.year}</div>`;
    }
    el.innerHTML = html;
  }

  // ---- wiring ----------------------------------------------------------------------------
  function initialView(map) {
    if (state.view) map.setView([state.view[0], state.view[1]], state.view[2]);
    // Room at the top for the year label over the map.
    else if (CONFIG.bounds) map.fitBounds(CONFIG.bounds, { paddingTopLeft: [24, 48], paddingBottomRight: [24, 24] });
    else map.setView([55.4085, 10.432], 15);
  }

  const paneA = makePane("a", document.getElementById("map-a"), document.getElementById("pane-a-year"), initialView);
  let paneB = null;
  const panes = () => (paneB && state.compare !== null ? [paneA, paneB] : [paneA]);

  function layerControl(pane) {
    const bases = { "Enkel baggrund (offline)": pane.bases.blank, "OpenStreetMap (online)": pane.bases.osm };
    const over = {};
    for (const l of [...LAYERS].reverse()) over[l.title] = pane.groups[l.layer];
    for (const o of CONFIG.overlays) over["Raster: " + o.title] = pane.overlays["overlay:" + o.id];
    L.control.layers(bases, over, { collapsed: pane.id !== "a" || PHONE.matches }).addTo(pane.map);
    const keyOf = (layer) => {
      for (const [k, g] of Object.entries(pane.groups)) if (g === layer) return k;
      for (const [k, g] of Object.entries(pane.overlays)) if (g === layer) return k;
      return null;
    };
    pane.map.on("overlayadd", (e) => { const k = keyOf(e.layer); if (k && !state.layers.has(k)) { state.layers.add(k); changed(); } });
    pane.map.on("overlayremove", (e) => { const k = keyOf(e.layer); if (k && state.layers.has(k)) { state.layers.delete(k); changed(); } });
    pane.map.on("baselayerchange", (e) => {
      const k = e.layer === pane.bases.osm ? "osm" : "blank";
      if (k !== state.base) { state.base = k; panes().forEach(applyBase); writeUrl(); }
    });
  }

  let syncing = false;
  function sync(from, to) {
    from.map.on("move", () => {
      if (syncing || !to || state.compare === null) return;
      syncing = true;
      to.map.setView(from.map.getCenter(), from.map.getZoom(), { animate: false });
      syncing = false;
    });
  }

  function markRendered() {
    const b = document.body.dataset;
    b.year = state.year;
    b.compare = state.compare === null ? "" : state.compare;
    b.rendered = String(Date.now());
    if (!b.firstRenderMs) b.firstRenderMs = performance.now().toFixed(1); // since navigation
    document.dispatchEvent(new CustomEvent("kort:rendered", { detail: { year: state.year } }));
  }

  // ---- the version shown, and the legal share ------------------------------------------
  const scenarioNames = new Map([[ADOPTED, "Vedtaget plan"]]);

  function scenarioName(slug) {
    return scenarioNames.get(slug) || slug;
  }

  function danishDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    const months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
      "september", "oktober", "november", "december"];
    return `${d}. ${months[m - 1]} ${y}`;
  }

  function pct(share) {
    return share === null || share === undefined ? "–" : (share * 100).toFixed(1).replace(".", ",") + " %";
  }

  function showPlanLabel() {
    const label = document.getElementById("plan-label");
    const when = state.recorded ? `som registreret ${danishDate(state.recorded)}` : "som registreret nu";
    label.textContent = `Kortet viser: ${scenarioName(state.scenario)}, ${when}`;
    label.classList.toggle("other", state.scenario !== ADOPTED || Boolean(state.recorded));
    label.classList.toggle("error", Boolean(planError));
    if (planError) label.textContent = planError;
    const select = document.getElementById("scenario-select");
    select.value = state.scenario;
    // A long name is cut in the select (kort.css): its full name is the select's title.
    select.title = select.selectedOptions.length ? select.selectedOptions[0].title : "";
    document.getElementById("recorded-date").value = state.recorded;
  }

  function scenarioOption(slug, name) {
    return slug === ADOPTED ? name : "Scenarie: " + name;
  }

  // GET /scenarios lists the scenarios ([{slug, name}], or {scenarios: [...]}); a platform
  // without it (404) offers the adopted plan only.
  async function loadScenarios() {
    const select = document.getElementById("scenario-select");
    let list = [];
    try {
      if (!CONFIG.scenarios) throw new Error("ingen scenarieliste på denne server");
      const r = await fetch(CONFIG.scenarios, { cache: "no-store", headers: { Accept: "application/json" } });
      if (r.ok) {
        const body = await r.json();
        list = Array.isArray(body) ? body : body.scenarios || body.items || [];
      } else if (r.status !== 404) {
        console.warn("Scenarierne kunne ikke hentes: HTTP " + r.status);
      }
    } catch (err) {
      if (CONFIG.scenarios) console.warn("Scenarierne kunne ikke hentes:", err.message);
    }
    for (const sc of list) if (sc && sc.slug) scenarioNames.set(sc.slug, sc.slug === ADOPTED ? "Vedtaget plan" : sc.name || sc.slug);
    if (!scenarioNames.has(state.scenario)) scenarioNames.set(state.scenario, state.scenario);
    select.innerHTML = [...scenarioNames].map(([slug, name]) =>
      `<option value="${esc(slug)}" title="${esc(scenarioOption(slug, name))}">${esc(scenarioOption(slug, name))}</option>`).join("");
    showPlanLabel();
    document.dispatchEvent(new CustomEvent("kort:scenarios"));
    return [...scenarioNames.keys()];
  }

  async function fetchShare(st) {
    const area = CONFIG.area || "vollsmose";
    const r = await fetch(`/areas/${area}/tenure-mix?year=${st.year}${planQuery(st)}`, { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return (await r.json()).total;
  }

  // The legal share (almenboligloven § 168 a) of the version and year shown; beside it the
  // adopted plan's, when another version is shown, so the effect of a scenario reads at once.
  let shareSeq = 0;
  async function drawShare() {
    const seq = ++shareSeq;
    const el = document.getElementById("share-panel");
    const limit = CONFIG.max_legal_share;
    const other = state.scenario !== ADOPTED || state.recorded;
    try {
      const deadline = CONFIG.deadline_year;
      const [shown, adopted, atDeadline] = await Promise.all([
        fetchShare(state),
        other ? fetchShare({ year: state.year, scenario: ADOPTED, recorded: "" }) : null,
        state.year !== deadline ? fetchShare({ ...state, year: deadline }) : null,
      ]);
      if (seq !== shareSeq) return;
      const ok = shown.legal_share !== null && shown.legal_share <= limit;
      el.innerHTML = `<h2>Almene familieboliger, lovpligtig andel</h2>` +
        `<div class='share-value ${ok ? "ok" : "over"}' id='share-value'>${pct(shown.legal_share)}</div>` +
        `<div class='share-what'>${esc(scenarioName(state.scenario))}, 1. januar ${state.year}` +
        `${state.recorded ? ", som registreret " + esc(danishDate(state.recorded)) : ""}</div>` +
        `<div class='share-limit'>${ok ? "Under" : "Over"} lovens grænse på ${pct(limit)}, der skal nås senest 1. januar ${CONFIG.deadline_year}</div>` +
        (atDeadline ? `<div class='share-deadline' id='share-deadline'>Ved fristen 1. januar ${deadline}: <strong>${pct(atDeadline.legal_share)}</strong></div>` : "") +
        (adopted ? `<div class='share-adopted'>Vedtaget plan nu: ${pct(adopted.legal_share)}</div>` : "") +
        `<div class='share-count'>${esc(Number(shown.dwellings.almen_family).toLocaleString("da-DK"))} af ${esc(Math.round(shown.legal_denominator).toLocaleString("da-DK"))} (boliger, erhverv og nedrevne)</div>`;
      el.dataset.share = String(shown.legal_share);
      el.dataset.deadlineShare = String((atDeadline || shown).legal_share);
      el.dataset.scenario = state.scenario;
      el.dataset.year = String(state.year);
      el.dataset.updated = String(Date.now());
    } catch (err) {
      if (seq !== shareSeq) return;
      el.innerHTML = "<h2>Almene familieboliger, lovpligtig andel</h2><div class='share-error'>Andelen kunne ikke hentes.</div>";
      delete el.dataset.share;
      delete el.dataset.deadlineShare;
      console.warn("Andelen kunne ikke hentes:", err.message);
    }
  }

  let renderSeq = 0;
  let planError = null; // why the version asked for cannot be drawn
  async function render() {
    const seq = ++renderSeq;
    planError = null;
    document.body.dataset.busy = "1";
    showPlanLabel();
    const share = drawShare();
    try {
      const results = await Promise.all(panes().map((p) => showYear(p, p === paneA ? state.year : state.compare)));
      if (seq !== renderSeq || results.includes(false)) return;
      panes().forEach(applyLayers);
      await markChanges();
      panes().forEach(declutter);
      await drawLegend();
      await share;
      if (seq !== renderSeq) return;
      fresh = false;
      delete document.body.dataset.busy;
      delete document.body.dataset.error;
      markRendered();
    } catch (err) {
      console.warn("Kortet kunne ikke tegnes:", err.message);
      document.body.dataset.error = err.message;
      delete document.body.dataset.busy;
      // A link to a version the platform does not have: say which, in Danish.
      planError = err.parameter === "scenario"
        ? `Scenariet »${state.scenario}« findes ikke. Vælg et andet.`
        : err.parameter === "recorded"
          ? `Planen kan ikke vises som registreret ${state.recorded}: vælg en dag, der er kommet.`
          : "Kortet kunne ikke tegnes.";
      showPlanLabel();
    }
  }

  // The plan changed on the server (an edit): draw every layer and the share again.
  function refresh() {
    cache.clear();
    fresh = true;
    return render();
  }

  function setPlan(scenario, recorded) {
    if (scenario !== undefined) state.scenario = SLUG.test(scenario) ? scenario : ADOPTED;
    if (recorded !== undefined) state.recorded = DATE.test(recorded) ? recorded : "";
    document.dispatchEvent(new CustomEvent("kort:plan", { detail: { scenario: state.scenario, recorded: state.recorded } }));
    changed(true);
  }

  function changed(push) {
    writeUrl(push);
    render();
  }

  function setYear(y) {
    state.year = clampYear(y, state.year);
    syncYearControls();
    changed(true);
  }

  // Back and forward step through the years and versions shown: the map follows the URL.
  window.addEventListener("popstate", () => {
    const q = new URLSearchParams(location.search);
    const year = clampYear(q.get("year"), state.year);
    const { scenario, recorded } = readPlan(q);
    const plan = scenario !== state.scenario || recorded !== state.recorded;
    state.year = year;
    state.scenario = scenario;
    state.recorded = recorded;
    syncYearControls();
    if (plan) document.dispatchEvent(new CustomEvent("kort:plan", { detail: { scenario, recorded } }));
    writeUrl();
    render();
  });

  function syncYearControls() {
    document.querySelectorAll(".year-btn").forEach((b) => b.classList.toggle("active", Number(b.dataset.year) === state.year));
    document.getElementById("year-slider").value = state.year;
    document.getElementById("year-label").textContent = state.year;
    const toggle = document.getElementById("compare-toggle");
    toggle.checked = state.compare !== null;
    if (state.compare !== null) document.getElementById("compare-year").value = state.compare;
  }

  function setCompare(year) {
    state.compare = year;
    const b = document.getElementById("pane-b");
    b.hidden = year === null;
    if (year !== null && !paneB) {
      paneB = makePane("b", document.getElementById("map-b"), document.getElementById("pane-b-year"),
        (m) => m.setView(paneA.map.getCenter(), paneA.map.getZoom(), { animate: false }));
      applyBase(paneB);
      layerControl(paneB);
      sync(paneA, paneB);
      sync(paneB, paneA);
    }
    paneA.map.invalidateSize({ animate: false });
    if (paneB && year !== null) {
      paneB.map.invalidateSize({ animate: false });
      paneB.map.setView(paneA.map.getCenter(), paneA.map.getZoom(), { animate: false });
    }
    syncYearControls();
    changed();
  }

  document.querySelectorAll(".year-btn").forEach((b) => b.addEventListener("click", () => setYear(b.dataset.year)));
  document.getElementById("print-scale").addEventListener("change", writeUrl);
  document.getElementById("scenario-select").addEventListener("change", (e) => setPlan(e.target.value, undefined));
  const recordedInput = document.getElementById("recorded-date");
  recordedInput.max = new Date().toISOString().slice(0, 10);
  recordedInput.addEventListener("change", () => setPlan(undefined, recordedInput.value));
  document.getElementById("recorded-now").addEventListener("click", () => setPlan(undefined, ""));
  const slider = document.getElementById("year-slider");
  slider.addEventListener("input", () => { document.getElementById("year-label").textContent = slider.value; });
  slider.addEventListener("change", () => setYear(slider.value));
  document.getElementById("compare-toggle").addEventListener("change", (e) => {
    setCompare(e.target.checked ? Number(document.getElementById("compare-year").value) : null);
  });
  document.getElementById("compare-year").addEventListener("change", (e) => {
    if (state.compare !== null) setCompare(Number(e.target.value));
  });

  paneA.map.on("moveend", () => {
    const c = paneA.map.getCenter();
    state.view = [c.lat, c.lng, paneA.map.getZoom()];
    writeUrl();
  });

  // ---- measuring ---------------------------------------------------------------------
  // Distances along the points clicked (on the ellipsoid, as Leaflet measures them) and, from
  // three points, the area they enclose (in a local plane: within 0.1 % across Vollsmose).
  const measure = { on: false, points: [], line: null, poly: null, marks: L.layerGroup() };
  function areaM2(latlngs) {
    const R = 6378137;
    const lat0 = latlngs.reduce((s, p) => s + p.lat, 0) / latlngs.length * Math.PI / 180;
    const xy = latlngs.map((p) => [R * p.lng * Math.PI / 180 * Math.cos(lat0), R * p.lat * Math.PI / 180]);
    let a = 0;
    for (let i = 0; i < xy.length; i++) {
      const [x1, y1] = xy[i];
      const [x2, y2] = xy[(i + 1) % xy.length];
      a += x1 * y2 - x2 * y1;
    }
    return Math.abs(a) / 2;
  }
  const num = (v, digits) => v.toLocaleString("da-DK", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  function showMeasure() {
    const pts = measure.points;
    let length = 0;
    for (let i = 1; i < pts.length; i++) length += pts[i - 1].distanceTo(pts[i]);
    if (measure.line) measure.line.setLatLngs(pts); else measure.line = L.polyline(pts, { color: "#e7298a", weight: 3, dashArray: "6 4", interactive: false }).addTo(measure.marks);
    if (pts.length >= 3) {
      if (measure.poly) measure.poly.setLatLngs(pts); else measure.poly = L.polygon(pts, { color: "#e7298a", weight: 1, fillOpacity: 0.1, interactive: false }).addTo(measure.marks);
    }
    const area = pts.length >= 3 ? areaM2(pts) : null;
    const el = document.getElementById("measure");
    el.hidden = !measure.on && !pts.length;
    el.dataset.lengthM = length.toFixed(1);
    el.dataset.areaM2 = area === null ? "" : area.toFixed(0);
    document.getElementById("measure-text").textContent = !pts.length
      ? "Klik på kortet for at måle (Enter: kortets midte)."
      : `Afstand ${length >= 1000 ? num(length / 1000, 2) + " km" : num(length, 0) + " m"}` +
        (area === null ? "" : ` · areal ${area >= 10000 ? num(area / 10000, 2) + " ha" : num(area, 0) + " m²"}`) +
        ` (${pts.length} punkter)`;
  }
  function addMeasurePoint(latlng) {
    measure.points.push(latlng);
    L.circleMarker(latlng, { radius: 4, color: "#e7298a", fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(measure.marks);
    showMeasure();
  }
  function clearMeasure() {
    measure.points = [];
    measure.marks.clearLayers();
    measure.line = measure.poly = null;
    showMeasure();
  }
  function setMeasuring(on) {
    measure.on = on;
    const btn = document.getElementById("measure-toggle");
    btn.setAttribute("aria-pressed", String(on));
    btn.classList.toggle("active", on);
    document.body.classList.toggle("measuring", on);
    if (on) { measure.marks.addTo(paneA.map); clearMeasure(); } else showMeasure();
  }
  paneA.map.on("click", (e) => { if (measure.on) addMeasurePoint(e.latlng); });
  paneA.map.getContainer().addEventListener("keydown", (ev) => {
    if (!measure.on) return;
    if (ev.key === "Enter" && ev.target === paneA.map.getContainer()) { ev.preventDefault(); addMeasurePoint(paneA.map.getCenter()); }
    if (ev.key === "Escape") setMeasuring(false);
  });
  document.getElementById("measure-toggle").addEventListener("click", () => setMeasuring(!measure.on));
  document.getElementById("measure-clear").addEventListener("click", clearMeasure);

  applyBase(paneA);
  layerControl(paneA);
  // On a phone the legend folds away behind a button, so the map keeps the screen.
  const legendToggle = document.getElementById("legend-toggle");
  legendToggle.addEventListener("click", () => {
    const open = !document.body.classList.contains("legend-open");
    document.body.classList.toggle("legend-open", open);
    legendToggle.setAttribute("aria-expanded", String(open));
  });
  // Escape folds the open legend and gives the focus back to its button.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || !document.body.classList.contains("legend-open")) return;
    document.body.classList.remove("legend-open");
    legendToggle.setAttribute("aria-expanded", "false");
    legendToggle.focus();
  });
  // The search (kort-search.js) opens a feature as a click on it would, zoomed to it, its
  // layer switched on first when it is off.
  async function openFeature(layer, id) {
    if (!state.layers.has(layer)) {
      const drawn = new Promise((resolve) => document.addEventListener("kort:rendered", resolve, { once: true }));
      state.layers.add(layer);
      changed();
      await drawn;
    }
    const lyr = paneA.byId[layer] && paneA.byId[layer].get(id);
    if (!lyr) return false;
    const map = paneA.map;
    let latlng;
    if (lyr.getBounds) {
      map.fitBounds(lyr.getBounds(), { maxZoom: 18, padding: [40, 40], animate: false });
      latlng = lyr.getBounds().getCenter();
    } else {
      latlng = lyr.getLatLng();
      map.setView(latlng, Math.max(map.getZoom(), 17), { animate: false });
    }
    lyr.fire("click", { latlng });
    return true;
  }

  // Exposed for tests and the benchmark: what each pane has drawn.
  window.kort = {
    state,
    panes: () => panes().map((p) => ({
      id: p.id, year: p.year, drawn: { ...p.drawn }, features: { ...p.features },
      changed: p.changed ? { ...p.changed } : null, labelsHidden: p.labelsHidden || 0,
    })),
    // Page coordinates of a place on a pane's map, to click it like a person would.
    toPixel: (paneId, lat, lng) => {
      const p = paneId === "b" ? paneB : paneA;
      const pt = p.map.latLngToContainerPoint([lat, lng]);
      const r = p.map.getContainer().getBoundingClientRect();
      return { x: r.left + pt.x, y: r.top + pt.y };
    },
    setYear,
    setCompare,
    // For the search: a layer's features in the year shown (cached as drawn), and opening one.
    layerData: (layer) => fetchLayer(layer, state.year),
    openFeature,
    provenance,
    // For the editor (kort-edit.js): the main map, the version shown, and a redraw after edits.
    map: paneA.map,
    planQuery,
    scenarioName,
    loadScenarios,
    setPlan,
    refresh,
    esc,
  };
  syncYearControls();
  showPlanLabel();
  loadScenarios();
  if (state.compare !== null) setCompare(state.compare);
  else changed();
})();
