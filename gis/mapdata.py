"""The data behind the maps: the registry's layers in a year, each feature given its style
class; a building's details and life; a quarter's tenure mix over the plan's three years.

The viewer (as WGS84 GeoJSON) and the static renderer (in EPSG:25832) both read from here,
so they draw the same features with the same classes.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis import law
from gis.errors import NotFound
from gis.layers import feature_collection
from gis.models import SRID, TENURES
from gis.styles import (
    COLOUR_QUARTER_SET,
    FREMTIDSBILLEDE_YEARS,
    LAYER_STYLES,
    NEW_BUILDING_FALLBACK,
    SOURCE_LAYER,
    classify,
)
from gis.tenure import check_year, tenure_mix

# The viewer's layers, bottom first.
MAP_LAYERS = tuple(sorted(LAYER_STYLES, key=lambda k: LAYER_STYLES[k].z))

TENURE_LABELS = {
    "almen_family": "Almene familieboliger",
    "almen_youth": "Almene ungdomsboliger",
    "almen_elderly": "Almene ældreboliger",
    "private_rental": "Private lejeboliger",
    "owner_occupied": "Ejerboliger",
    "cooperative": "Andelsboliger",
}
USE_LABELS = {
    "housing": "Bolig",
    "business": "Erhverv",
    "mixed": "Blandet",
    "institution": "Institution",
    "other": "Andet",
}
# BBR byg066Ejerforhold.
EJERFORHOLD_LABELS = {
    10: "privatpersoner",
    20: "almen boligorganisation",
    30: "selskab",
    40: "forening, legat eller selvejende institution",
    41: "andelsboligforening",
    50: "kommunen",
    60: "anden kommune",
    70: "region",
    80: "staten",
    90: "andet",
}
CHANGE_LABELS = {"conversion": "omdannelse", "sale": "salg", "addition": "tilføjet"}
TENURE_COLOURS = {
    "almen_family": "#c0392b",
    "almen_youth": "#e59866",
    "almen_elderly": "#f5cba7",
    "private_rental": "#2e86c1",
    "owner_occupied": "#27ae60",
    "cooperative": "#8e44ad",
}


def get_map_layer(layer: str) -> str:
    if layer not in LAYER_STYLES:
        raise NotFound("map layer", layer)
    return layer


def _building_quarters(conn: Connection) -> dict[int, tuple[str, str | None, str | None]]:
    """Building id -> (quarter slug, name, colour) in the plan's quarters."""
    rows = conn.execute(
        text(
            """
            SELECT b.id, q.slug, q.name, q.color
            FROM building b
            JOIN quarter q ON ST_Intersects(q.geom, b.anchor)
            JOIN quarter_set qs ON qs.id = q.quarter_set_id AND qs.slug = :qs
            """
        ),
        {"qs": COLOUR_QUARTER_SET},
    )
    return {r.id: (r.slug, r.name, r.color) for r in rows}


# The fremtidsbillede of year Y also draws the infrastructure the plan expects to open
# during Y: the plan's 2030 map shows letbane line 2 "possibly established" by 2030, while
# the state of 1 January 2030 cannot hold a line opening in 2030. Not decided, it is dashed.
DRAWN_A_YEAR_AHEAD = frozenset({"rail_lines", "rail_stops"})


def map_layer(conn: Connection, layer: str, year: int, *, srid: int = SRID) -> dict:
    """A viewer layer's features present in `year`, each with `style` (its class)."""
    get_map_layer(layer)
    check_year(year)
    source = SOURCE_LAYER.get(layer, layer)
    state_year = year + 1 if layer in DRAWN_A_YEAR_AHEAD else year
    fc = feature_collection(conn, source, year=state_year, srid=srid)
    features = fc["features"]
    if source == "quarters":
        sets = {f["properties"]["quarter_set"] for f in features}
        plan_set = COLOUR_QUARTER_SET if COLOUR_QUARTER_SET in sets else None
        if layer == "quarters":
            features = [f for f in features if plan_set in (None, f["properties"]["quarter_set"])]
        else:
            features = [f for f in features if f["properties"]["quarter_set"] != plan_set]
    quarters = _building_quarters(conn) if layer == "buildings" else {}
    for f in features:
        props = f["properties"]
        props["style"] = classify(layer, props, year)
        if layer == "buildings":
            slug, name, colour = quarters.get(f["id"], (None, None, None))
            props["quarter"] = slug
            props["quarter_name"] = name
            props["colour"] = colour or NEW_BUILDING_FALLBACK
        elif source == "quarters":
            props["colour"] = props.get("color") or "#cccccc"
    return {"type": "FeatureCollection", "layer": layer, "year": year, "features": features}


def map_layers(
    conn: Connection, year: int, *, srid: int = SRID, layers: tuple[str, ...] = MAP_LAYERS
) -> dict[str, dict]:
    return {layer: map_layer(conn, layer, year, srid=srid) for layer in layers}


def building_details(conn: Connection, building_id: int) -> dict:
    """A building, its dwellings over time and its life events, for the viewer's popup."""
    row = (
        conn.execute(
            text(
                """
            SELECT id, source_id, name, department, use, storeys, floor_area_m2,
                   business_floor_area_m2, construction_year, owner, ejerforhold,
                   built_year, built_decided, renovation_start_year, renovation_end_year,
                   renovation_decided, demolished_year, demolition_decided,
                   source_register, source_extract_date::text AS source_extract_date
            FROM building WHERE id = :id
            """
            ),
            {"id": building_id},
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("building", str(building_id))
    stock = (
        conn.execute(
            text(
                """
            SELECT tenure, dwellings, floor_area_m2, start_year, end_year, change, decided
            FROM dwelling_stock WHERE building_id = :id
            ORDER BY coalesce(start_year, 0), id
            """
            ),
            {"id": building_id},
        )
        .mappings()
        .all()
    )
    b = dict(row)
    events: list[dict] = []
    if b["construction_year"]:
        events.append({"year": b["construction_year"], "event": "Opført", "decided": True})
    if b["built_year"] is not None:
        events.append(
            {"year": b["built_year"], "event": "Nybyggeri", "decided": b["built_decided"]}
        )
    if b["renovation_start_year"] is not None:
        end = b["renovation_end_year"]
        span = f" (til {end})" if end and end != b["renovation_start_year"] else ""
        events.append(
            {
                "year": b["renovation_start_year"],
                "event": f"Renovering{span}",
                "decided": b["renovation_decided"],
            }
        )
    if b["demolished_year"] is not None:
        events.append(
            {
                "year": b["demolished_year"],
                "event": "Nedrivning",
                "decided": b["demolition_decided"],
            }
        )
    for s in stock:
        if s["change"] and s["start_year"] is not None:
            label = TENURE_LABELS.get(s["tenure"], s["tenure"]).lower()
            change = CHANGE_LABELS.get(s["change"], s["change"])
            events.append(
                {
                    "year": s["start_year"],
                    "event": f"{s['dwellings']} {label} ({change})",
                    "decided": s["decided"],
                }
            )
    events.sort(key=lambda e: e["year"])
    b["events"] = events
    b["use_label"] = USE_LABELS.get(b["use"], b["use"])
    if b["ejerforhold"] is not None:
        b["ejerforhold_label"] = (
            f"{b['ejerforhold']} ({EJERFORHOLD_LABELS.get(b['ejerforhold'], 'ukendt')})"
        )
    b["stock"] = [
        {**dict(s), "tenure_label": TENURE_LABELS.get(s["tenure"], s["tenure"])} for s in stock
    ]
    # Its DAR addresses (gis.registers.dar), for the popup's address and provenance lines.
    b["addresses"] = list(
        conn.execute(
            text(
                "SELECT vejnavn || ' ' || husnummer FROM address WHERE building_id = :id"
                " ORDER BY vejnavn, husnummer"
            ),
            {"id": building_id},
        ).scalars()
    )
    return b


def quarter_chart(
    conn: Connection,
    area: str,
    quarter_set: str,
    quarter: str,
    years: tuple[int, ...] = FREMTIDSBILLEDE_YEARS,
) -> dict:
    """A quarter's dwellings per tenure and its legal share in each of `years`."""
    out = []
    name = None
    for year in years:
        mix = tenure_mix(conn, area, year, quarter_set)
        q = next((q for q in mix.quarters if q.slug == quarter), None)
        if q is None:
            raise NotFound("quarter", f"{area}/{quarter_set}/{quarter}")
        name = q.name
        out.append(
            {
                "year": year,
                "dwellings": q.mix.dwellings,
                "total_dwellings": q.mix.total_dwellings,
                "legal_share": q.mix.legal_share,
                "area_legal_share": mix.total.legal_share,
            }
        )
    return {
        "area": area,
        "quarter_set": quarter_set,
        "quarter": quarter,
        "name": name,
        "years": out,
        "tenures": [
            {"key": t, "label": TENURE_LABELS[t], "colour": TENURE_COLOURS[t]} for t in TENURES
        ],
        "max_legal_share": law.MAX_LEGAL_SHARE,
    }
