/* Fremtidens Vollsmose: the viewer's search, "Søg adresse eller sted".
 *
 * One box finds the places the viewer already draws (quarters, housing departments,
 * facilities, letbane stops and lokalplaner, by name, in the year shown) at once, and addresses from DAR
 * (GET /addresses?q=, debounced) as they arrive. A combobox (WAI-ARIA): type, move with the
 * arrow keys, Enter opens the hit, Escape closes the list. A hit is zoomed to and its popup
 * opened; an address gets a marker of its own with its building, parcel and source.
 */
(function () {
  "use strict";

  const CONFIG = JSON.parse(document.getElementById("kort-config").textContent);
  const input = document.getElementById("search-input");
  const list = document.getElementById("search-list");
  const status = document.getElementById("search-status");
  if (!input || !window.kort) return;
  const kort = window.kort;
  const esc = kort.esc;

  // Where the places come from, and what a hit is called in the list.
  const PLACE_LAYERS = [
    ["quarters", "Kvarter"],
    ["departments", "Boligafdeling"],
    ["facilities", "Facilitet"],
    ["rail_stops", "Letbanestop"],
    ["local_plans", "Lokalplan"],
  ];
  // A lokalplan by its number and name, a delområde by its letter and its plan's name.
  function nameOf(layer, p) {
    if (layer !== "local_plans") return p.name;
    const plan = [p.plan_number, p.plan_name].filter(Boolean).join(": ");
    return p.kind === "delomraade" ? `Delområde ${p.subarea || ""}, ${plan}` : plan;
  }
  const MAX_PLACES = 8;
  const MAX_ADDRESSES = 8;
  const DEBOUNCE_MS = 250;
  // What /addresses accepts (gis.registers.dar.check_search): a word, at most 100 characters.
  const WORD = /[^\s,.]/;
  const MAX_QUERY = 100;

  let hits = []; // [{kind: "place"|"address", label, what, layer?, id?, feature?}]
  let active = -1;
  let timer = null;
  let seq = 0;
  let pending = null; // the address search under way: Promise
  let listed = null; // the query whose hits the list shows
  let complete = ""; // the query whose hits, addresses included, are all in
  const marker = L.layerGroup().addTo(kort.map);

  // Case and accents aside ("vollsmose alle" finds "Vollsmose Allé"); æ, ø stay letters.
  const fold = (s) => String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

  // How well a name matches the words typed: a word that is one of the name's words counts
  // most, one that starts a word next ("delområde b" puts Delområde B before Delområde A of
  // "... bygaden"), and a name starting with the first word wins a tie.
  function score(words, folded) {
    const own = folded.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    let s = folded.startsWith(words[0]) ? 1 : 0;
    for (const w of words) s += own.includes(w) ? 4 : own.some((o) => o.startsWith(w)) ? 2 : 0;
    return s;
  }

  async function findPlaces(q) {
    const words = fold(q).split(/[\s,.]+/).filter(Boolean);
    if (!words.length) return [];
    const out = [];
    const datas = await Promise.all(PLACE_LAYERS.map(([layer]) => kort.layerData(layer).catch(() => null)));
    PLACE_LAYERS.forEach(([layer, what], i) => {
      for (const f of (datas[i] && datas[i].features) || []) {
        const name = nameOf(layer, f.properties);
        const folded = fold(name);
        if (name && words.every((w) => folded.includes(w))) {
          out.push({ kind: "place", layer, id: f.id, label: name, what, score: score(words, folded) });
        }
      }
    });
    out.sort((a, b) => (b.score - a.score) || a.label.localeCompare(b.label, "da"));
    return out.slice(0, MAX_PLACES);
  }

  async function findAddresses(q) {
    if (!CONFIG.addresses || !WORD.test(q) || q.length > MAX_QUERY) return { hits: [], failed: false };
    try {
      const r = await fetch(`${CONFIG.addresses}?q=${encodeURIComponent(q)}&limit=${MAX_ADDRESSES}`);
      if (!r.ok) throw new Error("HTTP " + r.status);
      const fc = await r.json();
      return {
        hits: fc.features.map((f) => ({ kind: "address", label: f.properties.label, what: "Adresse", feature: f })),
        failed: false,
      };
    } catch (err) {
      console.warn("Adresserne kunne ikke hentes:", err.message);
      return { hits: [], failed: true };
    }
  }

  function show(q, places, addresses, searching) {
    hits = [...places, ...addresses.hits];
    // The addresses arriving keep the place the arrow keys chose (places come first).
    active = q === listed ? Math.min(Math.max(active, 0), hits.length - 1) : hits.length ? 0 : -1;
    listed = q;
    if (!searching) complete = q;
    list.innerHTML = hits.map((h, i) =>
      `<li role="option" id="search-opt-${i}" data-kind="${h.kind}" aria-selected="${i === active}">` +
      `<span class="search-label">${esc(h.label)}</span> <span class="search-what">${esc(h.what)}</span></li>`).join("");
    const open = input.value.trim() !== "";
    list.hidden = !hits.length;
    input.setAttribute("aria-expanded", String(!list.hidden));
    markActive();
    let note = "";
    if (open) {
      const counts = [`${places.length} ${places.length === 1 ? "sted" : "steder"}`];
      if (searching) counts.push("søger adresser …");
      else if (addresses.failed) counts.push("adresserne kunne ikke hentes");
      else if (addresses.hits.length) counts.push(`${addresses.hits.length} ${addresses.hits.length === 1 ? "adresse" : "adresser"}`);
      else counts.push(CONFIG.addresses
        ? "ingen adresser fundet: søgningen finder kun adresser indlæst fra DAR"
        : "adressesøgning findes ikke på denne server");
      note = counts.join(", ");
    }
    status.textContent = note;
    status.dataset.addresses = searching ? "" : String(addresses.hits.length);
    status.dataset.places = String(places.length);
  }

  function markActive() {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", `search-opt-${active}`);
      list.children[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  async function search(q, now) {
    const mine = ++seq;
    clearTimeout(timer);
    if (!q.trim()) {
      show(q, [], { hits: [], failed: false }, false);
      pending = null;
      return;
    }
    const places = await findPlaces(q);
    if (mine !== seq) return;
    show(q, places, { hits: [], failed: false }, Boolean(CONFIG.addresses && WORD.test(q)));
    pending = new Promise((resolve) => {
      timer = setTimeout(async () => {
        timer = null;
        const addresses = await findAddresses(q);
        if (mine === seq) show(q, places, addresses, false);
        resolve();
      }, now ? 0 : DEBOUNCE_MS);
    });
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function addressPopup(f) {
    const p = f.properties;
    const rows = [
      ["Bygning", p.building_name || (p.building_id ? `Bygning ${p.building_id}` : null)],
      ["Matrikel", p.matrikel],
    ].filter((r) => r[1]);
    return `<div class='popup address-popup'><h3>${esc(p.label)}</h3>` +
      (rows.length ? `<table>${rows.map((r) => `<tr><th>${esc(r[0])}</th><td>${esc(r[1])}</td></tr>`).join("")}</table>` : "<p>Ikke knyttet til en bygning i planen.</p>") +
      (p.building_id ? `<p><button type='button' class='open-building' data-building='${esc(p.building_id)}'>Vis bygningen</button></p>` : "") +
      `<p class='popup-note provenance'>${esc(kort.provenance(p))}</p></div>`;
  }

  async function choose(i) {
    const hit = hits[i];
    if (!hit) return;
    close();
    status.textContent = "";
    input.value = hit.label;
    marker.clearLayers();
    if (hit.kind === "address") {
      const [lng, lat] = hit.feature.geometry.coordinates;
      const map = kort.map;
      map.setView([lat, lng], Math.max(map.getZoom(), 18), { animate: false });
      L.circleMarker([lat, lng], { radius: 8, color: "#e7298a", weight: 3, fillColor: "#fff", fillOpacity: 1 })
        .bindPopup(addressPopup(hit.feature), { maxWidth: 340 })
        .addTo(marker)
        .openPopup();
    } else {
      await kort.openFeature(hit.layer, hit.id);
    }
    document.body.dataset.searchHit = `${hit.kind}:${hit.label}`;
  }

  // The address's building, opened from its popup (its dwellings, owner and life): the focus
  // goes to its button, and Escape goes back to the search.
  kort.map.on("popupopen", (e) => {
    const el = e.popup.getElement();
    if (!el.querySelector(".address-popup")) return;
    el.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") { kort.map.closePopup(); input.focus(); }
    });
    const btn = el.querySelector(".open-building");
    if (!btn) return;
    btn.focus();
    btn.addEventListener("click", async () => {
      const id = Number(btn.dataset.building);
      if (!(await kort.openFeature("buildings", id))) {
        btn.replaceWith(Object.assign(document.createElement("span"), { textContent: "Bygningen står ikke i det viste år." }));
      }
    });
  });

  input.addEventListener("input", () => search(input.value, false));
  input.addEventListener("keydown", async (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (list.hidden && hits.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      if (!hits.length) return;
      const step = ev.key === "ArrowDown" ? 1 : -1;
      active = (active + step + hits.length) % hits.length;
      markActive();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      // Enter before the hits of what was typed are in (the pause, the request) searches at
      // once and opens the first, rather than a hit of what was typed before.
      if (complete !== input.value) {
        await search(input.value, true);
        await pending;
      }
      return choose(active >= 0 ? active : 0);
    } else if (ev.key === "Escape") {
      // The list first, then the popup of the hit opened.
      if (!list.hidden) { ev.preventDefault(); close(); } else kort.map.closePopup();
    }
  });
  list.addEventListener("mousedown", (ev) => ev.preventDefault()); // keep the focus in the box
  list.addEventListener("click", (ev) => {
    const li = ev.target.closest("li[role=option]");
    if (li) choose([...list.children].indexOf(li));
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("focus", () => { if (hits.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
})();
