"""The Danish pages' error page: a browser following a bad or stale link to a Danish page
(/kort...) gets a Danish page saying what was wrong, with the status and the way back to the
map; API clients (and the pages' own scripts, which do not ask for HTML) get the problem
document (api.errors, which asks `wants_page`)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from gis.errors import NotFound

_PAGES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "web" / "templates")

# The query and path parameters of the Danish pages, as a person reads them in the link.
_PARAMETER_DA = {
    "year": "år",
    "compare": "sammenligningsår",
    "from": "fra år",
    "to": "til år",
    "quarters": "kvartersæt",
    "scenario": "scenarie",
    "recorded": "registreringsdato",
    "area": "område",
    "section": "delprogram",
}
_KIND_DA = {
    "area": "Området",
    "scenario": "Scenariet",
    "quarter": "Kvarteret",
    "quarter set": "Kvartersættet",
    "building": "Bygningen",
    "delprogram": "Delprogrammet",
    "indsats": "Indsatsen",
    "overlay": "Kortlaget",
    "map layer": "Kortlaget",
    "layer": "Kortlaget",
}


def wants_page(request: Request) -> bool:
    """A browser asking for one of the Danish pages (under /kort), not a script or client
    asking for data."""
    path = request.url.path
    if request.method not in ("GET", "HEAD") or not (path == "/kort" or path.startswith("/kort/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _reason_da(message: str) -> str:
    """What was wrong with a value, in Danish, from the API's English message of it."""
    m = message or ""
    if r := re.search(r"greater than or equal to (-?\d+)", m):
        return f"skal være mindst {r.group(1)}"
    if r := re.search(r"less than or equal to (-?\d+)", m):
        return f"må højst være {r.group(1)}"
    if re.search(r"valid integer|valid number|unable to parse", m, re.I):
        return "skal være et helt tal"
    if re.search(r"is before 'from'", m):
        return "ligger før fra-året"
    if re.search(r"pattern|at most \d+ characters", m):
        return "er ikke et gyldigt navn i et link"
    return "kan ikke bruges"


def _page_errors(request: Request, errors: list[dict]) -> list[str]:
    said = []
    for e in errors:
        name = str(e.get("parameter") or "")
        label = _PARAMETER_DA.get(name, name or "en værdi")
        value = request.query_params.get(name, request.path_params.get(name))
        shown = f" »{value}«" if value not in (None, "") else ""
        said.append(f"{label[0].upper()}{label[1:]}{shown} {_reason_da(e.get('message', ''))}.")
    return said


def error_page(
    request: Request, status: int, errors: list[dict] | None = None, exc: Exception | None = None
) -> HTMLResponse:
    """The Danish page for a link that cannot be shown: what was wrong, and the way back."""
    lines: list[str]
    if status == 404:
        heading = "Siden findes ikke"
        if isinstance(exc, NotFound):
            what = _KIND_DA.get(exc.kind, "Det, linket peger på,")
            lines = [f"{what} »{exc.key}« findes ikke."]
        else:
            lines = [f"Der er ingen side på adressen »{request.url.path}«."]
    elif status in (400, 422):
        heading = "Linket kan ikke vises"
        lines = _page_errors(request, errors or []) or [
            "Linket har en værdi, siden ikke kan bruge."
        ]
    elif status == 503:
        heading = "Siden kan ikke vises lige nu"
        lines = ["Databasen kan ikke nås. Prøv igen om lidt."]
    elif status >= 500:
        heading = "Siden kunne ikke vises"
        lines = ["Der skete en fejl hos os. Prøv igen om lidt."]
    else:
        heading = "Siden kan ikke vises"
        lines = []
    response = _PAGES.TemplateResponse(
        request,
        "fejl.html",
        {"status": status, "heading": heading, "lines": lines},
        status_code=status,
    )
    if status == 503:
        response.headers["Retry-After"] = "10"
    return response
