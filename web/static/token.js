/* The token a person logs in with, shared with the map viewer: kept in sessionStorage (gone
   with the tab) under one key for every page, so a login in one page carries over to the
   other in the same tab; sent as `Authorization: Bearer`;
   checked with GET /kort/adgang.json, which answers the token's role (401: unknown, revoked
   or expired). Used by the viewer's editor (web/static/kort-edit.js) and the land page
   (web/static/land/arealer.js). */
(function () {
  "use strict";
  const KEY = "vollsmose.token";
  // A token's role as the pages name it.
  const ROLES = { planner: "planlægger", developer_company: "udviklingsselskab", admin: "administrator" };

  function get() {
    try { return sessionStorage.getItem(KEY) || ""; } catch (err) { return ""; }
  }
  function set(t) { sessionStorage.setItem(KEY, t); }
  function clear() { sessionStorage.removeItem(KEY); }

  // The headers of a request with the kept token (none without one).
  function headers(extra) {
    const t = get();
    return t ? { Authorization: "Bearer " + t, ...(extra || {}) } : { ...(extra || {}) };
  }

  // What the platform says of a token: {status, role, edit} (edit: whether its role edits
  // the plan). A refused one is a 401.
  async function check(t) {
    const r = await fetch("/kort/adgang.json", {
      cache: "no-store",
      headers: { Authorization: "Bearer " + t, Accept: "application/json" },
    });
    if (!r.ok) return { status: r.status };
    const body = await r.json();
    return { status: r.status, role: body.role, edit: Boolean(body.edit_plan) };
  }

  // The file name a download's Content-Disposition gives, else `fallback`.
  function fileName(r, fallback) {
    const cd = r.headers.get("Content-Disposition") || "";
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
    return m ? decodeURIComponent(m[1]) : fallback;
  }

  // A file fetched with the token and saved under its own name (a plain link sends no
  // header). Resolves to the response's status.
  async function download(url, fallback) {
    const r = await fetch(url, { cache: "no-store", headers: headers() });
    if (!r.ok) return r.status;
    const blob = await r.blob();
    const href = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = href;
    a.download = fileName(r, fallback);
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    return r.status;
  }

  window.vmToken = { KEY, ROLES, get, set, clear, headers, check, download };
})();
