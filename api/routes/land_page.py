"""The company's question as a Danish page: a form of the sellable-land filters, the plots
on a map, the list and the totals (issue 5). The page reads `GET /land/sellable` with the
form's own query, so what it shows is the API's answer, filters and errors included."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.routes.viewer import templates
from gis.land import sellable as land
from gis.models import PLANNED_USES
from gis.models.land import OWNER_CATEGORIES, SALE_STATUSES
from gis.styles import REFERENCE_NOTE

router = APIRouter()

USE_DA = {
    "housing": "bolig",
    "business": "erhverv",
    "mixed": "blandet",
    "public": "offentlig",
    "green": "grønt",
    "road": "vej",
}
STATUS_DA = {
    "reserved_welfare": ("reserveret velfærd", "#9e9ac8"),
    "not_for_sale": ("ikke til salg", "#bdbdbd"),
    "planned": ("planlagt salg", "#fdd49e"),
    "on_offer": ("udbudt", "#fc8d59"),
    "under_option": ("under option", "#d7301f"),
    "sold": ("solgt", "#7f0000"),
}
OWNER_DA = {
    "odense_kommune": "Odense Kommune",
    "civica": "Civica",
    "fab": "FAB",
    "dan_mark_ejendomme": "Dan Mark Ejendomme",
    "company": "Arealudviklingsselskabet",
    "private": "privat",
    "other": "anden",
}
# The confidential sale data, as the page labels it for a reader the API gives it to
# (developer_company, admin): label, and how a value is shown (kroner, a date, a name). The
# page shows a column only when the API's answer carries it, so the public and a planner
# never get one, not even empty. Every confidential field has one
# (tests/land/test_land_page_login.py).
SALE_DA = {
    "price_dkk": ("Pris", "kr"),
    "option_holder": ("Optionshaver", "text"),
    "buyer": ("Køber", "text"),
    "offered_date": ("Udbudt den", "date"),
    "option_date": ("Option givet den", "date"),
    "option_expires": ("Option udløber", "date"),
    "sold_date": ("Solgt den", "date"),
}
# The form's fields: the API's own parameter names, so the page's query is the API's query.
FIELDS = ("available_by", "use", "min_area", "max_area", "owner", "status")
FIELDS += ("max_walk_to_stop", "max_walk_to_bygade", "within", "year", "filter")


@router.get("/kort/arealer", response_class=HTMLResponse, summary="Sellable land (Danish page)")
def land_page(request: Request) -> HTMLResponse:
    asked = [(k, v) for k, v in request.query_params.multi_items() if k in FIELDS and v != ""]
    query = urlencode([*asked, ("crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84")])
    chosen: dict[str, list[str]] = {}
    for k, v in asked:
        chosen.setdefault(k, []).append(v)
    # Drawn under the plots for bearings: the streets of the walking network's year, and every
    # letbane stop, planned ones too, as the walks count them.
    year = (chosen.get("year") or chosen.get("available_by") or [str(land.DEFAULT_WALK_YEAR)])[0]
    roads = urlencode({"limit": 1000, **({"datetime": year} if year.isdigit() else {})})
    items = request.app.url_path_for("items", collection_id="roads")
    stops = request.app.url_path_for("items", collection_id="rail_stops")
    config = {
        "context": [f"{items}?{roads}", f"{stops}?limit=1000"],
        "data": f"{request.app.url_path_for('get_sellable')}?{query}",
        "csv": f"{request.app.url_path_for('get_sellable')}?{urlencode([*asked, ('f', 'csv')])}",
        "gpkg": f"{request.app.url_path_for('get_sellable')}?{urlencode([*asked, ('f', 'gpkg')])}",
        "status": {k: {"label": v[0], "colour": v[1]} for k, v in STATUS_DA.items()},
        "use": USE_DA,
        "sale": [{"field": k, "label": v[0], "kind": v[1]} for k, v in SALE_DA.items()],
    }
    return templates.TemplateResponse(
        request,
        "land/arealer.html",
        {
            "config": config,
            "chosen": chosen,
            "uses": [(u, USE_DA[u]) for u in PLANNED_USES],
            "owners": [(o, OWNER_DA[o]) for o in OWNER_CATEGORIES],
            "statuses": [(s, STATUS_DA[s][0], STATUS_DA[s][1]) for s in SALE_STATUSES],
            "sellable": [STATUS_DA[s][0] for s in land.SELLABLE_STATUSES],
            "note": REFERENCE_NOTE,
        },
    )
