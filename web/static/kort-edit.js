/* Fremtidens Vollsmose: editing the plan in the viewer.
 *
 * Writes go through the platform's OGC API – Features Part 4 routes, in the scenario the map
 * shows: GET an item (and its ETag), then PATCH (merge patch), POST or DELETE with If-Match.
 * A 412 means a colleague changed the feature since it was read: it is shown as a conflict,
 * with the colleague's values beside the planner's, never retried behind her back.
 *
 * The token a planner pastes is kept in sessionStorage (gone with the tab) and sent as
 * `Authorization: Bearer`. Without one, or while the map shows a past recorded time, the
 * edit tools are hidden: writes always go to the plan as it stands now.
 *
 * Geometry is drawn and edited with Leaflet-Geoman (web/static/vendor/leaflet-geoman), in
 * opt-in mode: only the copy of the feature being edited is editable, never the map's layers.
 */
(function () {
  "use strict";

  const K = window.kort;
  const CONFIG = JSON.parse(document.getElementById("kort-config").textContent);
  const FORMS = CONFIG.edit;
  const TENURES = FORMS.tenures;
  const CHANGES = FORMS.changes;
  const ADOPTED = "vedtaget";
  // The kept token, and its check, shared with the land page (web/static/token.js).
  const T = window.vmToken;
  const esc = K.esc;
  const map = K.map;
  const panel = document.getElementById("edit-panel");
  const form = document.getElementById("edit-form");
  const hint = document.getElementById("edit-hint");
  const HINT = hint.textContent;
  const DWELLING_KEYS = ["tenure", "dwellings", "floor_area_m2", "start_year", "end_year", "change", "decided"];
  const SHAPES = { MultiPolygon: "Polygon", MultiLineString: "Line", Point: "CircleMarker" };
  const HIGHLIGHT = { color: "#f0c419", weight: 4, opacity: 1, fillColor: "#f0c419", fillOpacity: 0.35, dashArray: null };

  L.PM.setOptIn(true);
  const editGroup = L.layerGroup().addTo(map);

  let token = T.get();
  // What the token's role may do (GET /kort/adgang.json): known after the check at login or
  // on page load; until then the edit tools stay hidden.
  let mayEdit = false;
  let role = "";
  let checking = Boolean(token);
  let ed = null; // the feature being edited
  let drawing = null; // the collection being drawn

  // ---- the token -------------------------------------------------------------------------
  function canEdit() {
    return Boolean(token) && mayEdit && !K.state.recorded;
  }

  const ROLES = T.ROLES;

  function updateMode() {
    const logged = Boolean(token);
    document.body.classList.toggle("logged-in", logged);
    document.body.classList.toggle("can-edit", canEdit());
    if (panel.hidden === logged) {
      panel.hidden = !logged;
      // The map's width changed with the panel: a map that showed the whole area shows it
      // again in what is left; a map zoomed in on a place keeps that place in its centre.
      const centre = map.getCenter();
      const whole = CONFIG.bounds && map.getBounds().pad(0.05).contains(L.latLngBounds(CONFIG.bounds));
      map.invalidateSize({ animate: false, pan: false });
      if (whole) map.fitBounds(CONFIG.bounds, { padding: [24, 24], animate: false });
      else map.setView(centre, map.getZoom(), { animate: false });
    }
    // Logged out, no sheet is open: the page keeps no room at its foot for one.
    if (!logged) document.body.classList.remove("edit-sheet-open");
    document.getElementById("login-open").hidden = logged;
    document.getElementById("login-state").hidden = !logged;
    if (logged) document.getElementById("login-form").hidden = true;
    const target = document.getElementById("edit-target");
    if (!logged) return;
    if (checking) {
      target.textContent = "Kontrollerer din nøgle …";
    } else if (!mayEdit) {
      target.innerHTML = `Din rolle (${esc(ROLES[role] || "ukendt")}) må ikke redigere planen: kortet vises kun.`;
    } else if (K.state.recorded) {
      target.innerHTML = "Kortet viser planen, som den var registreret tidligere. Der redigeres altid i planen, som den er nu: vælg »nu« for at redigere.";
    } else if (K.state.scenario === ADOPTED) {
      target.innerHTML = "Ændringer gemmes i <strong>den vedtagne plan</strong>. Vælg et scenarie for at prøve ændringer af uden at røre den.";
    } else {
      target.innerHTML = `Ændringer gemmes i scenariet <strong>${esc(K.scenarioName(K.state.scenario))}</strong>.`;
    }
    panel.classList.toggle("adopted", K.state.scenario === ADOPTED);
    panel.classList.toggle("read-only", !mayEdit);
    document.querySelectorAll("[data-draw]").forEach((b) => { b.disabled = !canEdit(); });
    if (!canEdit()) { stopDrawing(); closeEditor(); }
  }

  async function logIn(value) {
    const t = value.trim();
    const msg = document.getElementById("login-token");
    if (!t) return;
    // The platform says whether it knows the token, and what its role may do.
    const c = await T.check(t);
    if (c.status === 401 || c.status === 403) {
      setLoginError("Nøglen blev ikke godkendt.");
      msg.select();
      return;
    }
    if (c.status !== 200) {
      setLoginError("Log ind mislykkedes: serveren svarede ikke. Prøv igen.");
      return;
    }
    msg.value = "";
    setLoginError("");
    token = t;
    checking = false;
    role = c.role;
    mayEdit = c.edit;
    T.set(t);
    updateMode();
  }

  // The token kept from earlier in the session, checked once as the page opens: a revoked
  // or expired one logs out at once instead of leaving edit tools that every write refuses.
  async function recheck() {
    if (!token) return;
    const kept = token;
    try {
      const c = await T.check(kept);
      if (token !== kept) return;
      if (c.status === 401) { expired(); return; }
      if (c.status === 200) { role = c.role; mayEdit = c.edit; }
    } catch (err) {
      // The server could not be reached: the tools stay hidden until a reload.
    } finally {
      checking = false;
    }
    updateMode();
  }

  // Any 401: the token is no longer good. She is logged out and told why.
  function expired() {
    logOut();
    const f = document.getElementById("login-form");
    f.hidden = false;
    setLoginError("Din nøgle gælder ikke længere (udløbet eller tilbagekaldt), så du er logget ud. Log ind igen med en gyldig nøgle.");
  }

  function setLoginError(text) {
    let el = document.getElementById("login-error");
    if (!el) {
      el = document.createElement("span");
      el.id = "login-error";
      el.className = "login-error";
      el.setAttribute("role", "alert");
      document.getElementById("login-form").append(el);
    }
    el.textContent = text;
  }

  function logOut() {
    token = "";
    checking = false;
    role = "";
    mayEdit = false;
    T.clear();
    updateMode();
  }

  document.getElementById("login-open").addEventListener("click", () => {
    const f = document.getElementById("login-form");
    f.hidden = !f.hidden;
    if (!f.hidden) document.getElementById("login-token").focus();
  });
  // Escape closes the open login box and gives the focus back to its button.
  document.addEventListener("keydown", (e) => {
    const f = document.getElementById("login-form");
    if (e.key !== "Escape" || f.hidden) return;
    f.hidden = true;
    document.getElementById("login-open").focus();
  });
  document.getElementById("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    logIn(document.getElementById("login-token").value).catch(() => setLoginError("Log ind mislykkedes: serveren kunne ikke nås. Prøv igen."));
  });
  document.getElementById("logout").addEventListener("click", logOut);

  // ---- requests --------------------------------------------------------------------------
  function headers(extra) {
    return { Authorization: "Bearer " + token, ...extra };
  }

  function query(note) {
    const q = new URLSearchParams();
    if (K.state.scenario !== ADOPTED) q.set("scenario", K.state.scenario);
    if (note) q.set("note", note);
    const t = q.toString();
    return t ? "?" + t : "";
  }

  function itemUrl(cid, fid) {
    return `/collections/${encodeURIComponent(cid)}/items/${encodeURIComponent(fid)}`;
  }

  // A failed answer as {status, title, detail, errors, etag}: problem+json when the server
  // sent one, the status line otherwise.
  async function problemOf(r) {
    let body = {};
    try { body = await r.json(); } catch (err) { body = {}; }
    return {
      status: r.status,
      title: body.title || r.statusText,
      detail: body.detail || "",
      errors: Array.isArray(body.errors) ? body.errors : [],
      etag: r.headers.get("ETag"),
    };
  }

  async function readItem(cid, fid) {
    const r = await fetch(itemUrl(cid, fid) + query(), { cache: "no-store", headers: headers({ Accept: "application/geo+json" }) });
    if (!r.ok) throw await problemOf(r);
    return { feature: await r.json(), etag: r.headers.get("ETag") };
  }

  async function readHistory(cid, fid) {
    const r = await fetch(itemUrl(cid, fid) + "/history" + query(), { cache: "no-store", headers: headers({ Accept: "application/json" }) });
    if (!r.ok) return [];
    const body = await r.json();
    return Array.isArray(body) ? body : body.versions || body.items || [];
  }

  // ---- values ----------------------------------------------------------------------------
  function fieldsOf(cid) {
    const f = FORMS[cid];
    return [...f.attributes, ...f.life];
  }

  function sameValue(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  function normDwellings(rows) {
    return (rows || []).map((d) => Object.fromEntries(DWELLING_KEYS.map((k) => [k, d[k] === undefined ? (k === "decided" ? true : null) : d[k]])));
  }

  function shown(field, v) {
    if (v === null || v === undefined || v === "") return "–";
    if (field.type === "boolean") return v ? "ja" : "nej";
    if (field.choices) {
      const c = field.choices.find((x) => x[0] === v);
      if (c) return c[1];
    }
    return String(v);
  }

  function tenureLabel(t) {
    const c = TENURES.find((x) => x[0] === t);
    return c ? c[1] : t;
  }

  function shownDwellings(rows) {
    if (!rows || !rows.length) return "ingen";
    return rows.map((d) => {
      const span = d.start_year || d.end_year ? ` (${d.start_year || ""}–${d.end_year || ""})` : "";
      return `${d.dwellings} ${tenureLabel(d.tenure).toLowerCase()}${span}`;
    }).join("; ");
  }

  function multi(geometry, type) {
    if (type === "MultiPolygon" && geometry.type === "Polygon") return { type, coordinates: [geometry.coordinates] };
    if (type === "MultiLineString" && geometry.type === "LineString") return { type, coordinates: [geometry.coordinates] };
    return geometry;
  }

  function currentGeometry() {
    const layers = [];
    ed.geo.eachLayer((l) => layers.push(l));
    const g = layers[0].toGeoJSON(9).geometry;
    return multi(g, FORMS[ed.cid].geometry);
  }

  // ---- the form --------------------------------------------------------------------------
  function input(field, value) {
    const name = esc(field.name);
    const attrs = `name='${name}' data-param='${name}' id='f-${name}'`;
    if (field.type === "boolean") {
      return `<input type='checkbox' ${attrs}${value ? " checked" : ""}>`;
    }
    if (field.choices) {
      const opts = [["", "–"], ...field.choices].map(([v, l]) =>
        `<option value='${esc(v)}'${sameValue(v === "" ? null : v, value) ? " selected" : ""}>${esc(l)}</option>`).join("");
      return `<select ${attrs}>${opts}</select>`;
    }
    if (field.type === "integer" || field.type === "number") {
      return `<input type='number' step='${field.type === "integer" ? 1 : "any"}' ${attrs} value='${esc(value)}'>`;
    }
    return `<input type='text' ${attrs} value='${esc(value)}'>`;
  }

  function fieldHtml(field, value) {
    const cls = field.type === "boolean" ? "field check" : "field";
    return `<div class='${cls}' data-field='${esc(field.name)}'><label for='f-${esc(field.name)}'>${esc(field.label)}</label>` +
      `${input(field, value)}<div class='field-error' role='alert'></div></div>`;
  }

  function dwellingRow(d, i) {
    // Screen readers name each cell by its column, in the table's own Danish words.
    const sel = (name, choices, value, blank) => `<select name='${name}' data-param='dwellings.${i}.${name}' aria-label='${esc(DWELLING_LABELS[name])}'>` +
      (blank ? "<option value=''>–</option>" : "") +
      choices.map(([v, l]) => `<option value='${esc(v)}'${v === value ? " selected" : ""}>${esc(l)}</option>`).join("") + "</select>";
    const num = (name, value, step) => `<input type='number' step='${step}' name='${name}' data-param='dwellings.${i}.${name}' aria-label='${esc(DWELLING_LABELS[name])}' value='${esc(value)}'>`;
    return `<tr data-row='${i}' data-field='dwellings.${i}'><td>${sel("tenure", TENURES, d.tenure, false)}</td>` +
      `<td>${num("dwellings", d.dwellings, 1)}</td><td>${num("floor_area_m2", d.floor_area_m2, "any")}</td>` +
      `<td>${num("start_year", d.start_year, 1)}</td><td>${num("end_year", d.end_year, 1)}</td>` +
      `<td>${sel("change", CHANGES, d.change, true)}</td>` +
      `<td><input type='checkbox' name='decided' data-param='dwellings.${i}.decided' aria-label='${esc(DWELLING_LABELS.decided)}'${d.decided ? " checked" : ""}></td>` +
      `<td><button type='button' class='link-btn' data-act='remove-row' title='Fjern rækken'>×</button></td></tr>`;
  }

  function dwellingsHtml(rows) {
    return "<fieldset class='dwellings' data-field='dwellings'><legend>Boliger efter ejerform</legend>" +
      "<table><thead><tr><th>Ejerform</th><th>Antal</th><th>m²</th><th>Fra år</th><th>Til år</th><th title='Ændring'>Ændr.</th><th title='Besluttet'>Besl.</th><th></th></tr></thead>" +
      `<tbody>${rows.map(dwellingRow).join("")}</tbody></table>` +
      "<button type='button' data-act='add-row'>Tilføj boliger</button><div class='field-error' role='alert'></div></fieldset>";
  }

  function renderForm() {
    const def = FORMS[ed.cid];
    const p = ed.feature.properties || {};
    const isNew = ed.fid === null;
    const title = isNew ? `Ny ${def.title}` : `${def.title[0].toUpperCase()}${def.title.slice(1)}: ${p.name || "nr. " + ed.fid}`;
    const known = new Set([...fieldsOf(ed.cid).map((f) => f.name), "dwellings"]);
    const others = Object.entries(p).filter(([k]) => !known.has(k));
    const point = def.geometry === "Point";
    form.innerHTML =
      `<h3>${esc(title)}</h3>` +
      `<p class='edit-where'>${isNew ? "Gemmes i" : "Fra"}: ${esc(K.scenarioName(K.state.scenario))}</p>` +
      "<div class='conflict' id='conflict' hidden></div>" +
      "<div class='form-msg' id='form-msg' role='status'></div>" +
      `<fieldset><legend>Egenskaber</legend>${def.attributes.map((f) => fieldHtml(f, p[f.name])).join("")}</fieldset>` +
      `<fieldset><legend>Livsforløb</legend>${def.life.map((f) => fieldHtml(f, p[f.name])).join("")}</fieldset>` +
      (def.dwellings ? dwellingsHtml(normDwellings(p.dwellings)) : "") +
      "<fieldset data-field='geometry'><legend>Geometri</legend>" +
      (point ? "" : "<button type='button' data-act='reshape'>Tilpas form</button> ") +
      "<button type='button' data-act='move'>Flyt</button> " +
      `<span class='geom-state' id='geom-state'>${isNew ? "Tegnet" : ""}</span><div class='field-error' role='alert'></div></fieldset>` +
      "<div class='field note' data-field='note'><label for='f-note'>Note (hvorfor)</label><textarea id='f-note' name='note' rows='2' placeholder='Fx: nedrivningen udskydes'></textarea><div class='field-error' role='alert'></div></div>" +
      "<div class='actions'><button type='submit' class='primary' data-act='save'>Gem</button>" +
      (isNew ? "" : "<button type='button' class='danger' data-act='delete'>Slet</button>") +
      `<button type='button' data-act='close'>${isNew ? "Annullér" : "Luk"}</button></div>` +
      (isNew ? "" : "<details class='history' id='history'><summary>Historik: hvem ændrede hvad, hvornår og hvorfor</summary><div class='history-list'>Henter …</div></details>") +
      (others.length ? `<details class='other-props'><summary>Øvrige egenskaber</summary><table>${others.map(([k, v]) =>
        `<tr><th data-key='${esc(k)}'>${esc(propLabel(k))}</th><td>${esc(typeof v === "object" && v !== null ? JSON.stringify(v) : v)}</td></tr>`).join("")}</table></details>` : "");
    form.hidden = false;
    form.dataset.collection = ed.cid;
    form.dataset.feature = isNew ? "" : String(ed.fid);
    hint.hidden = true;
  }

  function readField(field) {
    const el = form.querySelector(`[name='${field.name}']`);
    if (!el) return undefined;
    if (field.type === "boolean") return el.checked;
    const v = el.value.trim();
    if (v === "") return null;
    if (field.type === "integer" || field.type === "number") return Number(v);
    return v;
  }

  function readDwellings() {
    return [...form.querySelectorAll(".dwellings tbody tr")].map((tr) => {
      const v = (n) => tr.querySelector(`[name='${n}']`).value.trim();
      const num = (n) => (v(n) === "" ? null : Number(v(n)));
      return {
        tenure: v("tenure"), dwellings: num("dwellings"), floor_area_m2: num("floor_area_m2"),
        start_year: num("start_year"), end_year: num("end_year"), change: v("change") || null,
        decided: tr.querySelector("[name='decided']").checked,
      };
    });
  }

  // The merge patch (RFC 7396) of what the planner changed since she read the feature.
  function patchOf() {
    const before = ed.feature.properties || {};
    const props = {};
    for (const f of fieldsOf(ed.cid)) {
      const v = readField(f);
      if (v !== undefined && !sameValue(v, before[f.name])) props[f.name] = v;
    }
    if (FORMS[ed.cid].dwellings) {
      const rows = readDwellings();
      if (!sameValue(rows, normDwellings(before.dwellings))) props.dwellings = rows;
    }
    const patch = {};
    if (Object.keys(props).length) patch.properties = props;
    if (ed.geomChanged) patch.geometry = currentGeometry();
    return patch;
  }

  function newFeature() {
    const props = {};
    for (const f of fieldsOf(ed.cid)) {
      const v = readField(f);
      if (v !== null && v !== undefined) props[f.name] = v;
    }
    if (FORMS[ed.cid].dwellings) props.dwellings = readDwellings();
    return { type: "Feature", geometry: currentGeometry(), properties: props };
  }

  // ---- messages --------------------------------------------------------------------------
  function message(text, kind) {
    const el = document.getElementById("form-msg");
    if (!el) return;
    el.textContent = text;
    el.className = "form-msg " + (kind || "");
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  }

  // `properties.dwellings[0].tenure`, `/properties/demolished_year`, `demolished_year`:
  // the field of the form a 422 names.
  function fieldKey(parameter) {
    return String(parameter || "").replace(/^\//, "").replace(/\//g, ".").replace(/\[(\d+)\]/g, ".$1")
      .replace(/^(body\.)?properties\./, "").replace(/^body\./, "");
  }

  // The dwellings table's columns, as its header and screen-reader labels name them.
  const DWELLING_LABELS = {
    tenure: "Ejerform", dwellings: "Antal boliger", floor_area_m2: "Etageareal (m²)", start_year: "Fra år",
    end_year: "Til år", change: "Ændring", decided: "Besluttet",
  };
  // The properties the form does not edit, shown under "Øvrige egenskaber", in Danish.
  const PROP_LABELS = {
    source_id: "Kilde-id", source_register: "Kilderegister", source_extract_date: "Kildeudtræk (dato)",
    bbr_use_code: "BBR-anvendelseskode", use: "Anvendelse", ejerforhold: "Ejerforhold", storeys: "Etager",
    construction_year: "Opførelsesår", ejerlavskode: "Ejerlavskode", matrikelnummer: "Matrikelnummer",
    planned_use: "Planlagt anvendelse", area_m2: "Areal (m²)", floor_area_m2: "Etageareal (m²)",
    name: "Navn", department: "Afdeling", kind: "Art", status: "Status", id: "Id",
  };
  function propLabel(k) {
    return PROP_LABELS[k] || k.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  }
  const OTHER_LABELS = { geometry: "Geometrien", note: "Noten", dwellings: "Boligerne" };

  // A field of the form by the name the server gives it (`demolished_year`,
  // `dwellings.0.floor_area_m2`), in the form's own words.
  function labelOf(key) {
    const parts = fieldKey(key).split(".");
    if (parts[0] === "dwellings" && parts.length >= 2 && /^\d+$/.test(parts[1])) {
      const row = `Boliger, række ${Number(parts[1]) + 1}`;
      return parts[2] ? `${row}: ${DWELLING_LABELS[parts[2]] || "et felt"}` : row;
    }
    const f = ed && fieldsOf(ed.cid).find((x) => x.name === parts[0]);
    if (f) return f.label;
    return OTHER_LABELS[parts[0]] || "En værdi";
  }

  function num(v) {
    return Number(v).toLocaleString("da-DK");
  }

  // The server's message (English, for API clients) of a problem with one field, said in
  // Danish with the field's label: the shapes gis/editing/validate.py writes; anything else
  // a plain Danish sentence, never the English.
  function danishError(e) {
    const label = labelOf(e.parameter);
    const m = String(e.message || "");
    let r;
    if (fieldKey(e.parameter).split(".")[0] === "geometry") {
      return "Geometrien kan ikke gemmes sådan: tegn den om (en lukket, gyldig form inden for området).";
    }
    if ((r = m.match(/\((-?[\d.]+)\) comes before ([\w.\[\]]+) \((-?[\d.]+)\)/))) {
      return `${label} (${r[1]}) må ikke ligge før ${labelOf(r[2]).toLowerCase()} (${r[3]}).`;
    }
    if ((r = m.match(/must be (at least|above) (-?[\d.]+)(?: and at most (-?[\d.]+))?\.?$/))) {
      const low = `${r[1] === "above" ? "over" : "mindst"} ${num(r[2])}`;
      return `${label} skal være ${low}${r[3] !== undefined ? " og højst " + num(r[3]) : ""}.`;
    }
    if ((r = m.match(/must be at most (-?[\d.]+)/))) return `${label} må højst være ${num(r[1])}.`;
    if ((r = m.match(/must be between (-?[\d.]+) and (-?[\d.]+)/))) return `${label} skal være mellem ${num(r[1])} og ${num(r[2])}.`;
    if (/is required|non-empty string/.test(m)) return `${label} skal udfyldes.`;
    if (/whole number/.test(m)) return `${label} skal være et helt tal.`;
    if (/must be a (finite )?number/.test(m)) return `${label} skal være et tal.`;
    if (/true or false/.test(m)) return `${label} skal være ja eller nej.`;
    if (/one of/.test(m)) return `${label} skal være et af de valg, feltet tilbyder.`;
    if ((r = m.match(/longer than (\d+) characters/))) return `${label} må højst være ${num(r[1])} tegn.`;
    if (/cannot be stored|NUL character|lone surrogate/.test(m)) return `${label} indeholder tegn, der ikke kan gemmes.`;
    if (/another feature of the plan has that value/.test(m)) return `${label}: en anden del af planen har allerede den værdi.`;
    if (/not a (member|property)|unknown field/.test(m)) return `${label} kan ikke gemmes her.`;
    return `${label}: værdien kan ikke gemmes.`;
  }

  function showFieldErrors(errors) {
    const loose = [];
    for (const e of errors) {
      const key = fieldKey(e.parameter);
      const parts = key.split(".");
      const text = danishError(e);
      let box = null;
      for (let n = parts.length; n > 0 && !box; n--) box = form.querySelector(`[data-field='${CSS.escape(parts.slice(0, n).join("."))}']`);
      if (!box && parts[0] === "geometry") box = form.querySelector("[data-field='geometry']");
      if (box) {
        box.classList.add("invalid");
        const slot = box.querySelector(".field-error") || box.closest("[data-field='dwellings']").querySelector(".field-error");
        slot.textContent = (slot.textContent ? slot.textContent + " " : "") + text;
      } else {
        loose.push(text);
      }
    }
    return loose;
  }

  function definite() {
    return FORMS[ed.cid].definite;
  }

  // ---- editing a feature -----------------------------------------------------------------
  function drawCopy(feature) {
    editGroup.clearLayers();
    ed.geo = L.geoJSON(feature, {
      pmIgnore: false,
      style: () => HIGHLIGHT,
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { ...HIGHLIGHT, radius: 9, pmIgnore: false }),
    }).addTo(editGroup);
    ed.geo.eachLayer((l) => {
      l.options.pmIgnore = false;
      L.PM.reInitLayer(l);
      const touched = () => {
        ed.geomChanged = true;
        const s = document.getElementById("geom-state");
        if (s) s.textContent = "Geometrien er ændret (gemmes med Gem)";
      };
      l.on("pm:edit", touched);
      l.on("pm:dragend", touched);
    });
  }

  function startEditing(next) {
    ed = { geomChanged: false, ...next };
    drawCopy(ed.feature);
    renderForm();
    document.body.dataset.editing = `${ed.cid}:${ed.fid === null ? "new" : ed.fid}`;
    showEditing();
  }

  function closeEditor() {
    if (ed && ed.geo) ed.geo.eachLayer((l) => { if (l.pm) { l.pm.disable(); if (l.pm.disableLayerDrag) l.pm.disableLayerDrag(); } });
    editGroup.clearLayers();
    ed = null;
    form.hidden = true;
    form.innerHTML = "";
    hint.hidden = false;
    delete document.body.dataset.editing;
  }

  // ---- the panel on a phone: a bottom sheet, folded with its button ------------------------
  const PHONE = window.matchMedia("(max-width: 700px)");
  const fold = document.getElementById("edit-fold");

  function setFolded(folded) {
    panel.classList.toggle("folded", folded);
    fold.setAttribute("aria-expanded", String(!folded));
    fold.textContent = folded ? "Vis redigering" : "Skjul redigering";
    document.body.classList.toggle("edit-sheet-open", PHONE.matches && !folded);
  }

  // The top of the sheet: what a popup, or the feature being edited, must stay above.
  function sheetTop() {
    return PHONE.matches && !panel.hidden ? panel.getBoundingClientRect().top : window.innerHeight;
  }

  function keepAbove(bottom) {
    const top = sheetTop() - 8;
    if (bottom > top) map.panBy([0, bottom - top], { animate: false });
  }

  // Editing on a phone: the sheet opens, the map is scrolled to the top of the screen and the
  // feature panned into the part of it above the sheet.
  function showEditing() {
    if (!PHONE.matches) return;
    setFolded(false);
    document.getElementById("maps").scrollIntoView({ block: "start" });
    const shapes = L.featureGroup(editGroup.getLayers());
    if (!shapes.getLayers().length) return;
    const bounds = shapes.getBounds();
    if (!bounds.isValid()) return;
    const mapTop = map.getContainer().getBoundingClientRect().top;
    const y = mapTop + map.latLngToContainerPoint(bounds.getCenter()).y;
    const middle = (Math.max(mapTop, 0) + sheetTop()) / 2;
    if (y > sheetTop() - 40 || y < Math.max(mapTop, 0)) map.panBy([0, y - middle], { animate: false });
  }

  fold.addEventListener("click", () => setFolded(!panel.classList.contains("folded")));
  setFolded(PHONE.matches);
  map.on("popupopen", (e) => {
    if (!PHONE.matches || panel.hidden) return;
    requestAnimationFrame(() => keepAbove(e.popup.getElement().getBoundingClientRect().bottom));
  });

  async function openFeature(cid, fid, note) {
    if (!FORMS[cid] || !canEdit()) return;
    stopDrawing();
    closeEditor();
    map.closePopup();
    hint.hidden = false;
    hint.textContent = "Henter …";
    try {
      const { feature, etag } = await readItem(cid, fid);
      hint.textContent = HINT;
      startEditing({ cid, fid, feature, etag });
      if (note) message(note, "ok");
    } catch (p) {
      if (p.status === 401) { expired(); return; }
      hint.textContent = p.status === 404
        ? "Den findes ikke i den viste plan."
        : p.status ? `Kunne ikke hentes: ${refused(p.status).replace(/^Ændringen blev ikke gemt: /, "")}` : "Kunne ikke hentes: serveren kunne ikke nås. Prøv igen.";
      if (!p.status) console.warn(p);
    }
  }

  function busy(on) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = on; });
    form.classList.toggle("busy", on);
  }

  async function send(method, url, body, etag) {
    const h = headers({ Accept: "application/geo+json, application/problem+json" });
    if (body !== undefined) h["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/geo+json";
    if (etag) h["If-Match"] = etag;
    return fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  }

  // What a refused write means, in Danish, by its status: the server's own text is for API
  // clients (English) and never shown.
  const REFUSED = {
    400: "Ændringen blev ikke gemt: serveren kunne ikke bruge den.",
    401: "Din nøgle blev ikke godkendt (log ind igen).",
    403: "Din rolle må ikke ændre dette.",
    404: "Den findes ikke længere i planen.",
    409: "Ændringen er i strid med planen, som den er nu.",
    413: "Ændringen er for stor til at blive gemt.",
    428: "Serveren kræver, at ændringen bygger på en kendt version: luk og åbn den igen.",
    503: "Databasen kan ikke nås lige nu: prøv igen om lidt.",
  };

  function refused(status) {
    return REFUSED[status] || (status >= 500 ? "Ændringen blev ikke gemt: en fejl på serveren. Prøv igen." : "Ændringen blev ikke gemt.");
  }

  async function failed(r, action) {
    const p = await problemOf(r);
    if (r.status === 412) {
      await showConflict(action);
      return;
    }
    if (r.status === 401) {
      expired();
      return;
    }
    if (r.status === 422 || (r.status === 400 && p.errors.length)) {
      const loose = showFieldErrors(p.errors);
      const what = loose.length ? " " + loose.join(" ") : p.errors.length ? "" : " Serveren afviste værdierne.";
      message(`Ændringen blev ikke gemt: ret de markerede felter.${what}`, "error");
      return;
    }
    message(refused(r.status), "error");
  }

  async function save(action) {
    clearErrors();
    const note = (document.getElementById("f-note") || {}).value || "";
    busy(true);
    try {
      if (ed.fid === null) {
        const r = await send("POST", `/collections/${ed.cid}/items${query(note.trim())}`, newFeature());
        if (r.status !== 201 && !r.ok) return failed(r, { kind: "create" });
        const loc = r.headers.get("Location") || "";
        const fid = decodeURIComponent(loc.split("?")[0].replace(/\/$/, "").split("/").pop());
        const cid = ed.cid;
        await K.refresh();
        await openFeature(cid, fid, `Oprettet i ${K.scenarioName(K.state.scenario)}.`);
        return;
      }
      const a = action || { kind: "patch", patch: patchOf(), etag: ed.etag };
      if (a.kind === "patch" && !Object.keys(a.patch).length) {
        message("Ingen ændringer at gemme.", "");
        return;
      }
      const url = itemUrl(ed.cid, ed.fid) + query(note.trim());
      const r = a.kind === "delete" ? await send("DELETE", url, undefined, a.etag) : await send("PATCH", url, a.patch, a.etag);
      if (!r.ok) return failed(r, a);
      if (a.kind === "delete") {
        const what = definite();
        closeEditor();
        hint.textContent = `${what[0].toUpperCase()}${what.slice(1)} er slettet i ${K.scenarioName(K.state.scenario)}.`;
        await K.refresh();
        return;
      }
      const cid = ed.cid;
      const fid = ed.fid;
      await K.refresh();
      await openFeature(cid, fid, `Gemt i ${K.scenarioName(K.state.scenario)}.`);
    } catch (err) {
      if (err instanceof TypeError) message("Ændringen blev ikke gemt: serveren kunne ikke nås. Prøv igen.", "error");
      else throw err;
    } finally {
      if (ed) busy(false);
    }
  }

  // ---- history and restore -----------------------------------------------------------------
  const KINDS = { edit: "ændret", create: "oprettet", delete: "slettet", restore: "gendannet", adopt: "vedtaget", import: "importeret", load: "indlæst", sql: "ændret i databasen" };

  async function showHistory() {
    const box = form.querySelector(".history-list");
    const versions = await readHistory(ed.cid, ed.fid);
    const rows = [...versions].reverse().map((v, i) => {
      const c = v.change || {};
      const what = v.deleted ? "slettet" : KINDS[c.kind] || c.kind;
      const restore = i === 0 ? "<span class='same'>nuværende</span>"
        : `<button type='button' class='link-btn' data-act='restore' data-change='${esc(c.id)}'>Gendan</button>`;
      return `<li data-change='${esc(c.id)}'><span class='when'>${esc(when(c.recorded_at))}</span> ${esc(what)} af ${esc(c.actor || "ukendt")}` +
        `${c.role ? " (" + esc(ROLES[c.role] || c.role) + ")" : ""}${c.note ? `: <q>${esc(c.note)}</q>` : ""} ${restore}</li>`;
    });
    box.innerHTML = rows.length ? `<ol>${rows.join("")}</ol>` : "Ingen versioner.";
  }

  // A past version written back as a new change, on top of the version she has open.
  async function restore(changeId) {
    clearErrors();
    const note = ((document.getElementById("f-note") || {}).value || "").trim() || "Gendannet fra historikken";
    const url = `${itemUrl(ed.cid, ed.fid)}/history/${encodeURIComponent(changeId)}/restore${query(note)}`;
    busy(true);
    try {
      const r = await fetch(url, { method: "POST", headers: headers({ "If-Match": ed.etag, Accept: "application/geo+json" }), cache: "no-store" });
      if (r.status === 412) {
        await showConflict({ kind: "restore", change: changeId });
        return;
      }
      if (!r.ok) return failed(r, { kind: "restore", change: changeId });
      const cid = ed.cid;
      const fid = ed.fid;
      await K.refresh();
      if (r.status === 204) {
        closeEditor();
        hint.textContent = "Den gendannede version er en sletning: den findes ikke længere i planen.";
        return;
      }
      await openFeature(cid, fid, "Versionen er gendannet som en ny ændring.");
    } finally {
      if (ed) busy(false);
    }
  }

  // ---- a conflict (412) -------------------------------------------------------------------
  function latest(versions) {
    const dated = versions.filter((v) => v && v.change);
    dated.sort((a, b) => String(a.change.recorded_at).localeCompare(String(b.change.recorded_at)));
    return dated[dated.length - 1] || null;
  }

  function when(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso || "") : d.toLocaleString("da-DK", { dateStyle: "long", timeStyle: "short" });
  }

  async function showConflict(action) {
    const box = document.getElementById("conflict");
    let theirs = null;
    let etag = null;
    try {
      ({ feature: theirs, etag } = await readItem(ed.cid, ed.fid));
    } catch (p) {
      if (p.status !== 404) throw p;
    }
    const versions = await readHistory(ed.cid, ed.fid).catch(() => []);
    const last = latest(versions);
    ed.conflict = { action, theirs, etag };
    const before = ed.feature.properties || {};
    const now = theirs ? theirs.properties || {} : {};
    const mine = action.kind === "patch" ? action.patch.properties || {} : {};
    const rows = [];
    for (const f of fieldsOf(ed.cid)) {
      const changedByThem = theirs && !sameValue(before[f.name], now[f.name]);
      if (!(f.name in mine) && !changedByThem) continue;
      rows.push(`<tr data-conflict-field='${esc(f.name)}'${changedByThem ? " class='theirs-changed'" : ""}><th>${esc(f.label)}</th><td>${esc(shown(f, before[f.name]))}</td>` +
        `<td class='mine'>${f.name in mine ? esc(shown(f, mine[f.name])) : "<span class='same'>uændret</span>"}</td>` +
        `<td class='theirs'>${theirs ? esc(shown(f, now[f.name])) : "slettet"}</td></tr>`);
    }
    if (FORMS[ed.cid].dwellings) {
      const theirRows = normDwellings(now.dwellings);
      const changedByThem = theirs && !sameValue(normDwellings(before.dwellings), theirRows);
      if ("dwellings" in mine || changedByThem) {
        rows.push(`<tr data-conflict-field='dwellings'><th>Boliger</th><td>${esc(shownDwellings(normDwellings(before.dwellings)))}</td>` +
          `<td class='mine'>${"dwellings" in mine ? esc(shownDwellings(mine.dwellings)) : "<span class='same'>uændret</span>"}</td>` +
          `<td class='theirs'>${theirs ? esc(shownDwellings(theirRows)) : "slettet"}</td></tr>`);
      }
    }
    const geomTheirs = theirs && !sameValue(ed.feature.geometry, theirs.geometry);
    if ((action.kind === "patch" && action.patch.geometry) || geomTheirs) {
      rows.push(`<tr data-conflict-field='geometry'><th>Geometri</th><td></td><td class='mine'>${action.kind === "patch" && action.patch.geometry ? "ændret" : "uændret"}</td>` +
        `<td class='theirs'>${theirs ? (geomTheirs ? "ændret" : "uændret") : "slettet"}</td></tr>`);
    }
    const who = last ? `Senest ændret af ${esc(last.change.actor || "ukendt")}${last.change.role ? " (" + esc(ROLES[last.change.role] || last.change.role) + ")" : ""}, ${esc(when(last.change.recorded_at))}` +
      (last.change.note ? `: »${esc(last.change.note)}«` : "") + "." : "";
    const again = { delete: "Slet alligevel", restore: "Gendan alligevel" }[action.kind] || "Gem mine værdier oven på kollegaens";
    const pronoun = definite().endsWith("et") ? "det" : "den";
    box.innerHTML = `<h4>En kollega har ændret ${esc(definite())}, siden du åbnede ${pronoun}</h4>` +
      `<p class='conflict-who'>${who}${theirs ? "" : " Den er slettet."} Intet af dit er gemt.</p>` +
      `<table class='conflict-table'><thead><tr><th>Felt</th><th>Da du åbnede</th><th>Dine værdier</th><th>Kollegaens værdier nu</th></tr></thead><tbody>${rows.join("")}</tbody></table>` +
      "<div class='actions'><button type='button' data-act='conflict-reload'>Hent kollegaens version (kassér mine)</button>" +
      (theirs ? `<button type='button' data-act='conflict-reapply'>${esc(again)}</button>` : "") + "</div>";
    box.hidden = false;
    message("", "");
    form.classList.add("in-conflict");
    box.scrollIntoView({ block: "nearest" });
  }

  async function reapply() {
    const c = ed.conflict;
    ed.conflict = null;
    ed.etag = c.etag;
    ed.feature = c.theirs;
    document.getElementById("conflict").hidden = true;
    form.classList.remove("in-conflict");
    // Exactly the changes she made, now on top of the colleague's version.
    if (c.action.kind === "restore") await restore(c.action.change);
    else await save({ ...c.action, etag: c.etag });
  }

  // ---- drawing a new feature --------------------------------------------------------------
  function stopDrawing() {
    if (drawing) map.pm.disableDraw();
    drawing = null;
    document.body.classList.remove("drawing");
    document.querySelectorAll("[data-draw]").forEach((b) => b.classList.remove("active"));
    if (!ed) { hint.textContent = HINT; hint.hidden = false; }
  }

  function startDrawing(cid) {
    if (!canEdit()) return;
    closeEditor();
    stopDrawing();
    drawing = cid;
    // The map's own features let clicks through to the map while drawing (kort.css).
    document.body.classList.add("drawing");
    const shape = SHAPES[FORMS[cid].geometry];
    document.querySelector(`[data-draw='${cid}']`).classList.add("active");
    hint.textContent = {
      Polygon: "Klik hvert hjørne af bygningen på kortet; klik på det første hjørne for at lukke den. Esc afbryder.",
      Line: "Klik vejens punkter på kortet; klik på det sidste punkt igen for at afslutte. Esc afbryder.",
      CircleMarker: "Klik, hvor faciliteten skal ligge. Esc afbryder.",
    }[shape];
    map.pm.enableDraw(shape, { snappable: false, allowSelfIntersection: false, pmIgnore: false, finishOn: null });
  }

  map.on("pm:create", (e) => {
    if (!drawing) { e.layer.remove(); return; }
    const cid = drawing;
    drawing = null;
    document.body.classList.remove("drawing");
    document.querySelectorAll("[data-draw]").forEach((b) => b.classList.remove("active"));
    const geometry = multi(e.layer.toGeoJSON(9).geometry, FORMS[cid].geometry);
    e.layer.remove();
    const defaults = { ...(FORMS[cid].defaults || {}) };
    // Drawn on the map of 1 January Y, it stands there: built (opened) the year before.
    const since = K.state.year - 1;
    if (FORMS[cid].life.some((f) => f.name === "built_year")) defaults.built_year = since;
    else if (FORMS[cid].life.some((f) => f.name === "opening_year")) defaults.opening_year = since;
    // A new building's dwellings start empty: no row means none, and a row is one click away.
    startEditing({ cid, fid: null, etag: null, feature: { type: "Feature", geometry, properties: defaults }, geomChanged: true });
    if (FORMS[cid].dwellings) form.querySelector("[data-act='add-row']").click();
  });

  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && drawing) stopDrawing(); });
  document.querySelectorAll("[data-draw]").forEach((b) => b.addEventListener("click", () => startDrawing(b.dataset.draw)));

  // ---- a new scenario ----------------------------------------------------------------------
  function slugOf(name) {
    return name.toLowerCase().replace(/æ/g, "ae").replace(/ø/g, "oe").replace(/å/g, "aa")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
  }

  // A scenario branches from the adopted plan (POST /scenarios) and is shown at once, so
  // what she edits next goes there, not into the adopted plan.
  async function createScenario(name) {
    const err = document.getElementById("scenario-error");
    err.textContent = "";
    const slug = slugOf(name);
    if (!name.trim() || !slug) {
      err.textContent = "Giv scenariet et navn.";
      return;
    }
    const r = await fetch("/scenarios", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", Accept: "application/json" }),
      body: JSON.stringify({ slug, name: name.trim(), base: ADOPTED }),
    });
    if (!r.ok) {
      err.textContent = {
        404: "Scenarier kan endnu ikke oprettes på denne server.",
        405: "Scenarier kan endnu ikke oprettes på denne server.",
        409: "Der findes allerede et scenarie med det navn.",
        403: "Din rolle må ikke oprette scenarier.",
        422: "Scenariet blev ikke oprettet: navnet kan ikke bruges (prøv et kortere navn med bogstaver og tal).",
      }[r.status] || (r.status >= 500 ? "Scenariet blev ikke oprettet: en fejl på serveren. Prøv igen." : "Scenariet blev ikke oprettet. Prøv igen.");
      if (r.status === 401) expired();
      return;
    }
    document.getElementById("scenario-name").value = "";
    document.getElementById("new-scenario").open = false;
    await K.loadScenarios();
    K.setPlan(slug, "");
  }

  document.getElementById("scenario-form").addEventListener("submit", (e) => {
    e.preventDefault();
    createScenario(document.getElementById("scenario-name").value)
      .catch(() => { document.getElementById("scenario-error").textContent = "Scenariet blev ikke oprettet: serveren kunne ikke nås. Prøv igen."; });
  });

  // ---- wiring ----------------------------------------------------------------------------
  document.addEventListener("click", (e) => {
    const b = e.target.closest(".edit-btn");
    if (b) openFeature(b.dataset.editLayer, b.dataset.editId);
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (ed) save();
  });

  form.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-act]");
    if (!b || !ed) return;
    const act = b.dataset.act;
    if (act === "close") closeEditor();
    else if (act === "add-row") {
      const body = form.querySelector(".dwellings tbody");
      const i = body.children.length;
      body.insertAdjacentHTML("beforeend", dwellingRow({ tenure: "owner_occupied", dwellings: 0, floor_area_m2: 0, start_year: null, end_year: null, change: null, decided: true }, i));
    } else if (act === "remove-row") b.closest("tr").remove();
    else if (act === "reshape") ed.geo.eachLayer((l) => { l.pm.toggleEdit({ allowSelfIntersection: false, snappable: false }); b.classList.toggle("active", l.pm.enabled()); });
    else if (act === "move") ed.geo.eachLayer((l) => {
      if (l.pm.layerDragEnabled()) l.pm.disableLayerDrag(); else l.pm.enableLayerDrag();
      b.classList.toggle("active", l.pm.layerDragEnabled());
    });
    else if (act === "delete") { b.textContent = "Bekræft sletning"; b.dataset.act = "confirm-delete"; }
    else if (act === "confirm-delete") save({ kind: "delete", etag: ed.etag });
    else if (act === "conflict-reload") openFeature(ed.cid, ed.fid, "Kollegaens version er hentet; dine ændringer er kasseret.");
    else if (act === "conflict-reapply") reapply();
    else if (act === "restore") restore(b.dataset.change);
  });

  form.addEventListener("toggle", (e) => {
    if (e.target.id === "history" && e.target.open && ed) {
      showHistory().catch(() => { form.querySelector(".history-list").textContent = "Historikken kunne ikke hentes. Prøv igen."; });
    }
  }, true);

  // The scenarios' names arrived: say where edits go by name.
  document.addEventListener("kort:scenarios", updateMode);

  document.addEventListener("kort:plan", () => {
    // Another version is shown: what was open belongs to the one before.
    stopDrawing();
    closeEditor();
    updateMode();
  });

  updateMode();
  recheck();
})();
