/* The sellable-land page: the plots GET /land/sellable answers for the form's filters, on a
   map coloured by sale status, in a table, and the answer's totals. A refused filter is said
   in Danish at its field (aria-invalid) and summed up above the map.

   A person may log in with a token (web/static/token.js: the viewer's own sessionStorage key,
   so a login there carries over), which every request of the plots and their downloads
   sends. The confidential sale data (price, option holder, buyer, dates) is shown only as the
   API answers it: a column or popup line only for a field the answer carries, which it does
   for the land company and an admin, never for the public or a planner. Any 401 logs out. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("arealer-config").textContent);
  const drawn = [];
  const number = new Intl.NumberFormat("da-DK", { maximumFractionDigits: 0 });
  const T = window.vmToken;
  const ROLES = T.ROLES;
  // "1. februar 2025", of the date as written (UTC: no day lost west of Greenwich).
  const longDate = new Intl.DateTimeFormat("da-DK", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  let role = "";

  function text(s) {
    const d = document.createElement("div");
    d.textContent = s == null ? "" : String(s);
    return d.innerHTML;
  }
  const n = (v) => (v == null ? "–" : number.format(v));
  // A sale value as Danish text: kroner as "1.234.567 kr.", a date as "1. februar 2025".
  function saleValue(kind, v) {
    if (v == null || v === "") return "–";
    if (kind === "kr") return `${number.format(v)} kr.`;
    if (kind === "date") {
      const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v));
      return m ? longDate.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : String(v);
    }
    return String(v);
  }
  // The sale fields the answer carries (none for the public or a planner), and only while a
  // token is kept.
  function saleFields(features) {
    if (!T.get()) return [];
    return config.sale.filter((s) => features.some((f) => s.field in f.properties));
  }
  let shownSale = [];
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
      `(fugleflugt ${n(p.straight_to_stop_m)} m)</p>` +
      salePopup(p) +
      `</div>`
    );
  }

  function salePopup(p) {
    const rows = shownSale.filter((s) => p[s.field] != null && p[s.field] !== "");
    if (!rows.length) return "";
    return (
      `<p class="sale" data-sale="1"><strong>Salgsdata (fortroligt)</strong><br>` +
      rows.map((s) => `${text(s.label)}: <span data-field="${s.field}">${text(saleValue(s.kind, p[s.field]))}</span>`).join("<br>") +
      `</p>`
    );
  }

  function table(features) {
    const head = document.querySelector("#arealer-tabel thead tr");
    head.querySelectorAll("th.sale").forEach((th) => th.remove());
    for (const s of shownSale) {
      const th = document.createElement("th");
      th.className = "sale";
      th.dataset.field = s.field;
      th.textContent = s.label;
      head.append(th);
    }
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
          `<td>${text(p.nearest_stop || "")}</td><td>${n(p.walk_to_bygade_m)}</td>` +
          shownSale.map((s) => `<td class="sale ${s.kind}" data-field="${s.field}">${text(saleValue(s.kind, p[s.field]))}</td>`).join("") +
          `</tr>`
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

  // Each refused field said at the field, in Danish (the API's own text is English).
  const FIELD_DA = {
    available_by: "Angiv et årstal mellem 2000 og 2060.",
    use: "Vælg en anvendelse fra listen.",
    owner: "Vælg en ejer fra listen.",
    status: "Vælg en status fra listen.",
    min_area: "Angiv et areal i m²: et tal, 0 eller mere.",
    max_area: "Angiv et areal i m²: et tal, 0 eller mere.",
    max_walk_to_stop: "Angiv en afstand i meter: et tal, 0 eller mere.",
    max_walk_to_bygade: "Angiv en afstand i meter: et tal, 0 eller mere.",
    within: "Angiv et kvarters navn, eller en polygon som WKT eller GeoJSON.",
    filter: "Filteret kunne ikke forstås. Skriv det som CQL2 med egenskabernes navne, fx expected_dwellings > 50.",
  };
  function fieldText(e) {
    if (e.parameter === "max_area" && /min_area/.test(e.message || "")) {
      return "Maks. areal må ikke være mindre end min. areal.";
    }
    return FIELD_DA[e.parameter] || "Værdien er ikke gyldig.";
  }
  function clearFieldErrors() {
    document.querySelectorAll("#filtre .field-error").forEach((el) => el.remove());
    document.querySelectorAll("#filtre [aria-invalid]").forEach((el) => {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
  }
  function showFieldErrors(body) {
    clearFieldErrors();
    const done = new Set();
    for (const e of body.errors || []) {
      if (!e.parameter || done.has(e.parameter)) continue;
      const input = document.querySelector(`#filtre [name="${CSS.escape(e.parameter)}"]`);
      if (!input) continue;
      done.add(e.parameter);
      const said = document.createElement("span");
      said.className = "field-error";
      said.id = `fejl-${e.parameter}`;
      said.textContent = fieldText(e);
      input.after(said);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", said.id);
    }
  }
  document.getElementById("filtre").addEventListener("input", (ev) => {
    const input = ev.target;
    if (!input.hasAttribute || !input.hasAttribute("aria-invalid")) return;
    const said = document.getElementById(`fejl-${input.name}`);
    if (said) said.remove();
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  });

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
  // While the plots load, and when they cannot be had (web/static/loading.js).
  const state = window.vmLoading("Arealerne", load, "arealer");
  const problem = state.problem;

  function failed(e) {
    state.failed(e);
    if (!map._loaded) map.setView([55.41, 10.43], 14);
  }

  let layer = null;
  let loads = 0;
  function load() {
    const mine = ++loads;
    state.start();
    delete document.body.dataset.rendered;
    fetch(config.data, { cache: "no-store", headers: T.headers({ Accept: "application/geo+json" }) })
      .then(async (r) => {
        if (mine !== loads) return { stale: true };
        if (r.status === 401 && T.get()) { expired(); return { stale: true }; }
        let body = null;
        try { body = await r.json(); } catch (err) { body = null; }
        // A refused filter (4xx with a problem naming the field) is the planner's to fix;
        // anything else (a 500, a body that is not JSON) is the server's.
        if (!r.ok && (r.status >= 500 || !body)) throw new Error(`HTTP ${r.status}`);
        if (r.ok && !body) throw new Error("svaret var ikke GeoJSON");
        return { ok: r.ok, body };
      })
      .then(({ ok, body, stale }) => {
        // An answer to a load since superseded (a login, a logout) is never drawn: it could
        // carry the sale data of a token no longer kept.
        if (stale || mine !== loads) return;
        state.done();
        if (!ok) {
          showFieldErrors(body);
          problem.textContent = problemText(body);
          problem.hidden = false;
          map.setView([55.41, 10.43], 14);
          document.body.dataset.rendered = "problem";
          return;
        }
        clearFieldErrors();
        shownSale = saleFields(body.features);
        document.body.dataset.sale = shownSale.length ? "shown" : "none";
        drawn.length = 0;
        map.closePopup();
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
      .catch((e) => { if (mine === loads) failed(e); });
  }

  // ---- the login --------------------------------------------------------------------------
  const note = document.getElementById("login-note");
  function updateLogin() {
    const logged = Boolean(T.get());
    document.body.classList.toggle("logged-in", logged);
    document.getElementById("login-open").hidden = logged;
    document.getElementById("login-state").hidden = !logged;
    document.getElementById("login-role").textContent = ROLES[role] || "ukendt rolle";
    if (logged) document.getElementById("login-form").hidden = true;
    if (!logged) { note.hidden = true; return; }
    note.hidden = false;
    note.textContent = role === "developer_company" || role === "admin"
      ? "Du ser de fortrolige salgsdata (pris, optionshaver, køber og datoer) i tabellen og på kortet. Del dem ikke."
      : `Din rolle (${ROLES[role] || "ukendt"}) giver ikke adgang til salgsdata: siden viser det samme som for alle.`;
  }
  function setLoginError(s) {
    document.getElementById("login-error").textContent = s;
  }
  async function logIn(value) {
    const t = value.trim();
    const input = document.getElementById("login-token");
    if (!t) { setLoginError("Indsæt din nøgle."); return; }
    const c = await T.check(t);
    if (c.status === 401 || c.status === 403) {
      setLoginError("Nøglen blev ikke godkendt.");
      input.setAttribute("aria-invalid", "true");
      input.select();
      return;
    }
    if (c.status !== 200) { setLoginError("Log ind mislykkedes: serveren svarede ikke. Prøv igen."); return; }
    input.value = "";
    input.removeAttribute("aria-invalid");
    setLoginError("");
    T.set(t);
    role = c.role;
    updateLogin();
    load();
  }
  // At logout, the sale data on the page goes at once, before the public answer comes: the
  // table's sale columns, the plots' popups (an open one too).
  function forgetSale() {
    map.closePopup();
    shownSale = [];
    delete document.body.dataset.sale;
    document.querySelectorAll("#arealer-tabel .sale").forEach((el) => el.remove());
    if (layer) { layer.remove(); layer = null; }
  }
  function logOut() {
    forgetSale();
    T.clear();
    role = "";
    updateLogin();
    load();
  }
  // Any 401: the token is no longer good. Logged out, told why, and the page shown as to all.
  function expired() {
    logOut();
    document.getElementById("login-form").hidden = false;
    setLoginError("Din nøgle gælder ikke længere (udløbet eller tilbagekaldt), så du er logget ud. Log ind igen med en gyldig nøgle.");
  }
  document.getElementById("login-open").addEventListener("click", () => {
    const f = document.getElementById("login-form");
    f.hidden = !f.hidden;
    if (!f.hidden) document.getElementById("login-token").focus();
  });
  document.getElementById("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    logIn(document.getElementById("login-token").value)
      .catch(() => setLoginError("Log ind mislykkedes: serveren kunne ikke nås. Prøv igen."));
  });
  document.getElementById("logout").addEventListener("click", logOut);

  // The downloads: with a token, fetched with it and saved under the API's file name (a
  // plain link sends no header, and would give the public's file); without, the plain link.
  const downloadProblem = document.getElementById("download-problem");
  for (const [id, fallback] of [["csv", "salgbare-arealer.csv"], ["gpkg", "salgbare-arealer.gpkg"]]) {
    document.getElementById(id).addEventListener("click", (e) => {
      if (!T.get()) return;
      e.preventDefault();
      downloadProblem.hidden = true;
      const link = e.currentTarget;
      link.setAttribute("aria-busy", "true");
      T.download(link.href, fallback)
        .then((status) => {
          if (status === 401) { expired(); return; }
          if (status !== 200) {
            downloadProblem.textContent = `Filen kunne ikke hentes (svar ${status}). Prøv igen.`;
            downloadProblem.hidden = false;
          }
        })
        .catch(() => {
          downloadProblem.textContent = "Filen kunne ikke hentes: serveren kunne ikke nås. Prøv igen.";
          downloadProblem.hidden = false;
        })
        .finally(() => link.removeAttribute("aria-busy"));
    });
  }

  // A token kept from earlier in the tab (here or in the viewer): checked first, so a revoked
  // or expired one logs out at once, and the plots are asked for with the role it has.
  (async function start() {
    const kept = T.get();
    if (kept) {
      try {
        const c = await T.check(kept);
        if (c.status === 401) { expired(); return; }
        if (c.status === 200) role = c.role;
      } catch (err) {
        // Not reachable: the load says so.
      }
    }
    updateLogin();
    load();
  })();

  window.arealer = { drawn: () => drawn, map };
})();
