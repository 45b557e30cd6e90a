"""Plain, browsable HTML for the OGC API: the same documents as the JSON, as pages.

No script and no styling framework: a person can read and follow links; every value is
escaped.
"""

from __future__ import annotations

import json
from html import escape

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}code{font-size:.9em}
nav a{margin-right:1rem}
"""


def page(title: str, body: str, links: list[dict] | None = None) -> str:
    nav = ""
    if links:
        nav = (
            "<nav>"
            + "".join(
                f'<a href="{escape(link["href"])}" rel="{escape(link["rel"])}">'
                f"{escape(link.get('title') or link['rel'])}</a>"
                for link in links
                if link.get("type") in (None, "text/html")
            )
            + "</nav>"
        )
    return (
        # No icon, said so: else a browser asks for /favicon.ico, which is a 404.
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"{nav}<h1>{escape(title)}</h1>{body}</body></html>"
    )


def _link_list(links: list[dict]) -> str:
    items = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link.get("title") or link["rel"])}</a>'
        f" <small>({escape(link['rel'])}, {escape(link.get('type', ''))})</small></li>"
        for link in links
    )
    return f"<ul>{items}</ul>"


def landing(doc: dict) -> str:
    body = f"<p>{escape(doc.get('description', ''))}</p>{_link_list(doc['links'])}"
    return page(doc["title"], body)


def conformance(doc: dict) -> str:
    items = "".join(f"<li><code>{escape(c)}</code></li>" for c in doc["conformsTo"])
    return page("Conformance", f"<ul>{items}</ul>")


def _html_href(links: list[dict], rel: str) -> str | None:
    for link in links:
        if link["rel"] == rel and link.get("type") == "text/html":
            return link["href"]
    return None


def collections(doc: dict) -> str:
    rows = "".join(
        f'<tr><td><a href="{escape(_html_href(c["links"], "self") or "")}">'
        f"{escape(c['id'])}</a></td>"
        f"<td>{escape(c['title'])}</td><td>{escape(c.get('description', ''))}</td>"
        f'<td><a href="{escape(_html_href(c["links"], "items") or "")}">items</a></td></tr>'
        for c in doc["collections"]
    )
    body = f"<table><tr><th>id</th><th>title</th><th>description</th><th></th></tr>{rows}</table>"
    return page("Collections", body, doc["links"])


def collection(doc: dict) -> str:
    extent = doc.get("extent", {})
    body = (
        f"<p>{escape(doc.get('description', ''))}</p>"
        f"<p>Extent: <code>{escape(json.dumps(extent))}</code></p>"
        f"<p>Storage CRS: <code>{escape(doc.get('storageCrs', ''))}</code></p>"
        f"{_link_list(doc['links'])}"
    )
    return page(doc["title"], body, doc["links"])


def queryables(doc: dict) -> str:
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(spec.get('type') or spec.get('format', ''))}"
        f"</td><td>{escape(spec.get('description', ''))}</td></tr>"
        for name, spec in doc["properties"].items()
    )
    body = f"<table><tr><th>name</th><th>type</th><th></th></tr>{rows}</table>"
    return page(f"Queryables: {doc['title']}", body)


def schema(doc: dict) -> str:
    """A collection's feature schema: each property, its type (`integer | null` where it may
    be empty) and format."""

    def kind(spec: dict) -> str:
        return spec.get("type", "") + (" | null" if spec.get("nullable") else "")

    props = doc["properties"]["properties"]["properties"]
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(kind(spec))}</td>"
        f"<td>{escape(spec.get('format', ''))}</td></tr>"
        for name, spec in props.items()
    )
    body = f"<table><tr><th>name</th><th>type</th><th>format</th></tr>{rows}</table>"
    return page(f"Schema: {doc['title']}", body)


def _props_table(props: dict) -> str:
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape('' if v is None else str(v))}</td></tr>"
        for k, v in props.items()
    )
    return f"<table>{rows}</table>"


def query_form(action: str, fields: list[dict]) -> str:
    """A GET form of the page's query parameters, one field each as its declaration
    describes it (`gis.ogc.params.Param.form`): a choice for an enum or a boolean, a number
    within its bounds, else text. Sent, it asks for the same page as HTML."""
    rows = []
    for f in fields:
        name, value = escape(f["name"]), f.get("value")
        if "options" in f:
            options = "".join(
                f"<option{' selected' if o == value else ''}>{escape(o)}</option>"
                for o in f["options"]
            )
            control = f'<select name="{name}" id="q-{name}"><option></option>{options}</select>'
        else:
            attrs = "".join(f' {k}="{escape(str(f[k]))}"' for k in ("min", "max", "step") if k in f)
            shown = "" if value is None else f' value="{escape(str(value))}"'
            control = (
                f'<input type="{f.get("type", "text")}" name="{name}" id="q-{name}"{attrs}{shown}>'
            )
        rows.append(
            f'<tr><th><label for="q-{name}">{name}</label></th><td>{control}</td>'
            f"<td><small>{escape(f['title'])}</small></td></tr>"
        )
    return (
        f'<form method="get" action="{escape(action)}"><input type="hidden" name="f" '
        f'value="html"><table>{"".join(rows)}</table><button>Search</button></form>'
    )


def items(title: str, doc: dict, item_href, form: str = "") -> str:
    features = doc["features"]
    names: list[str] = []
    for f in features:
        names.extend(k for k in f["properties"] if k not in names)
    head = "".join(f"<th>{escape(n)}</th>" for n in ["id", *names])
    rows = "".join(
        f'<tr><td><a href="{escape(item_href(f["id"]))}">{escape(str(f["id"]))}</a></td>'
        + "".join(
            f"<td>{escape('' if f['properties'].get(n) is None else str(f['properties'][n]))}</td>"
            for n in names
        )
        + "</tr>"
        for f in features
    )
    matched = doc.get("numberMatched")
    summary = (
        f"<p>{doc['numberReturned']} features"
        + (f" of {matched}" if matched is not None else "")
        + ".</p>"
    )
    body = f"{form}{summary}<table><tr>{head}</tr>{rows}</table>"
    return page(title, body, doc["links"])


def item(title: str, feature: dict, links: list[dict]) -> str:
    geometry = json.dumps(feature.get("geometry"))
    if len(geometry) > 2000:
        geometry = geometry[:2000] + " …"
    body = f"{_props_table(feature['properties'])}<p>Geometry: <code>{escape(geometry)}</code></p>"
    return page(f"{title}: {feature['id']}", body, links)
