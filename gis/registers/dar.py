"""DAR (Danmarks Adresseregister): husnumre (adgangsadresser) into the plan's `address` table.

Read: the Datafordeler file extract (JSON), whose top-level arrays hold DAR's objects with
their own field names (README, "Danish registers"):
- `HusnummerList`: `id_lokalId`, `husnummertekst`, `adgangspunkt` (an Adressepunkt's id),
  `navngivenVej`, `postnummer`, `adgangTilBygning` (BBR's building id), `jordstykke` (MAT's
  id), `status`;
- `AdressepunktList`: `id_lokalId`, `position` (WKT `POINT (x y)`, EPSG:25832);
- `NavngivenVejList`: `id_lokalId`, `vejnavn`;
- `PostnummerList`: `id_lokalId`, `postnr`, `navn`.
Every object is bitemporal: only current registrations (`registreringTil`, `virkningTil`
null) are read, the latest `registreringFra` where there are several; a husnummer whose
`status` is 1 (intern forberedelse), 4 (nedlagt), 5 (henlagt) or 6 (slettet) is no address.

An address is keyed by the husnummer's id_lokalId. It is placed on the plan's building BBR
names (`adgangTilBygning` = building.source_id), else the building whose footprint holds its
point; on the parcel MAT names (`jordstykke` = parcel.source_id), else the parcel holding it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

import ijson
from sqlalchemy import Connection, text

from gis.errors import InvalidQuery
from gis.registers import common
from gis.registers.common import ImportReport, Problems

REGISTER = "dar"
LISTS = ("HusnummerList", "AdressepunktList", "NavngivenVejList", "PostnummerList")
# DAR's livscyklus of a husnummer: 1 intern forberedelse (never published), 2 foreløbig,
# 3 gældende, 4 nedlagt, 5 henlagt, 6 slettet. Provisional and current ones are addresses.
NOT_REAL = {1, 4, 5, 6}
_NUMBER = r"([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
_POINT = re.compile(rf"^\s*(?:SRID=25832;)?\s*POINT\s*\(\s*{_NUMBER}\s+{_NUMBER}\s*\)\s*$", re.I)

HUSNUMMER_STAGE = (
    "rec text, id text, registered text, husnummer text, point text, vej text, post text, "
    "bbr_building text, jordstykke text"
)
POINT_STAGE = "rec text, id text, registered text, x float8, y float8"
VEJ_STAGE = "rec text, id text, registered text, vejnavn text"
POST_STAGE = "rec text, id text, registered text, postnr integer, navn text"


def _label(list_name: str, i: int, obj: dict) -> str:
    ident = obj.get("id_lokalId")
    return f"{list_name}[{i}]" + (f" ({ident})" if isinstance(ident, str) else "")


def _husnummer(problems: Problems, stage: common.Stage, rec: str, o: dict) -> None:
    status = common.number(problems, rec, o, "status", integer=True, minimum=0, maximum=99)
    if status in NOT_REAL:
        return
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    number = common.text_field(problems, rec, o, "husnummertekst", required=True, max_len=16)
    point = common.text_field(problems, rec, o, "adgangspunkt", required=True)
    vej = common.text_field(problems, rec, o, "navngivenVej", required=True)
    post = common.text_field(problems, rec, o, "postnummer", required=False)
    building = common.text_field(problems, rec, o, "adgangTilBygning", required=False)
    jordstykke = common.text_field(problems, rec, o, "jordstykke", required=False)
    if None in (ident, number, point, vej):
        return
    registered = common.registration(problems, rec, o)
    stage.add((rec, ident, registered, number, point, vej, post, building, jordstykke))


def _point(problems: Problems, stage: common.Stage, rec: str, o: dict) -> None:
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    raw = o.get("position")
    found = _POINT.match(raw) if isinstance(raw, str) else None
    if found is None:
        problems.add(rec, "position", "missing or not a WKT POINT (x y) in EPSG:25832")
        return
    x, y = float(found.group(1)), float(found.group(2))
    if not common.in_denmark(x, y):
        problems.add(rec, "position", f"({x:g}, {y:g}) is not EPSG:25832 in Denmark (wrong CRS?)")
        return
    registered = common.registration(problems, rec, o)
    if ident is not None:
        stage.add((rec, ident, registered, x, y))


def _vej(problems: Problems, stage: common.Stage, rec: str, o: dict) -> None:
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    name = common.text_field(problems, rec, o, "vejnavn", required=True, max_len=200)
    registered = common.registration(problems, rec, o)
    if ident is not None and name is not None:
        stage.add((rec, ident, registered, name))


def _post(problems: Problems, stage: common.Stage, rec: str, o: dict) -> None:
    ident = common.text_field(problems, rec, o, "id_lokalId", required=True)
    postnr = common.number(
        problems, rec, o, "postnr", integer=True, minimum=1000, maximum=9999, required=True
    )
    name = common.text_field(problems, rec, o, "navn", required=False, max_len=200)
    registered = common.registration(problems, rec, o)
    if ident is not None and postnr is not None:
        stage.add((rec, ident, registered, postnr, name))


READERS = {
    "HusnummerList": ("reg_dar_husnummer", HUSNUMMER_STAGE, _husnummer),
    "AdressepunktList": ("reg_dar_point", POINT_STAGE, _point),
    "NavngivenVejList": ("reg_dar_vej", VEJ_STAGE, _vej),
    "PostnummerList": ("reg_dar_post", POST_STAGE, _post),
}

# A husnummer's references that the file does not hold: each a problem of its record.
_DANGLING = """
WITH h AS (SELECT DISTINCT ON (id) * FROM reg_dar_husnummer ORDER BY id, registered DESC)
SELECT h.rec, 'adgangspunkt' AS field, h.point AS ref FROM h
 WHERE NOT EXISTS (SELECT 1 FROM reg_dar_point p WHERE p.id = h.point)
UNION ALL
SELECT h.rec, 'navngivenVej', h.vej FROM h
 WHERE NOT EXISTS (SELECT 1 FROM reg_dar_vej v WHERE v.id = h.vej)
UNION ALL
SELECT h.rec, 'postnummer', h.post FROM h
 WHERE h.post IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reg_dar_post p WHERE p.id = h.post)
ORDER BY 1, 2
"""


def read(conn: Connection, source: common.Source, *, show_progress: bool = False) -> dict:
    """Checks every object of the four lists and stages the current ones; raises
    ImportRefused listing every problem (a reference to an object not in the file too)."""
    problems = Problems(REGISTER)
    counts: dict[str, int] = {}
    stages = {name: common.Stage(conn, t, cols) for name, (t, cols, _) in READERS.items()}
    with common.open_source(source) as f:
        try:
            if common.first_key(f, LISTS) is None:
                problems.add("file", None, "not a DAR file extract (no HusnummerList)")
                problems.raise_if_any()
            for name, (_table, _cols, check) in READERS.items():
                n = 0
                items = common.progress(common.stream(f, f"{name}.item"), name, show_progress)
                for i, obj in enumerate(items):
                    n += 1
                    if not isinstance(obj, dict):
                        problems.add(f"{name}[{i}]", None, "is not an object")
                        continue
                    if common.current_registration(obj):
                        check(problems, stages[name], _label(name, i, obj), obj)
                counts[name] = n
        except ijson.JSONError as exc:
            common.not_json(problems, exc)
            problems.raise_if_any()  # the lists are cut short: no reference can be checked
    for stage in stages.values():
        stage.flush()
    if not counts.get("HusnummerList"):
        problems.add("file", "HusnummerList", "holds no husnummer")
    for r in conn.execute(text(_DANGLING)):
        problems.add(r.rec, r.field, f"names {r.ref}, which is not in the file")
    problems.raise_if_any()
    return {"husnumre": counts["HusnummerList"], "adressepunkter": counts["AdressepunktList"]}


# The current addresses of the file, resolved to the plan's building and parcel.
_RESOLVED = """
CREATE TEMP TABLE reg_address ON COMMIT DROP AS
WITH h AS (SELECT DISTINCT ON (id) * FROM reg_dar_husnummer ORDER BY id, registered DESC),
     p AS (SELECT DISTINCT ON (id) * FROM reg_dar_point ORDER BY id, registered DESC),
     v AS (SELECT DISTINCT ON (id) * FROM reg_dar_vej ORDER BY id, registered DESC),
     n AS (SELECT DISTINCT ON (id) * FROM reg_dar_post ORDER BY id, registered DESC)
SELECT h.id AS source_id, v.vejnavn, h.husnummer, n.postnr AS postnummer,
       n.navn AS postnrnavn, h.bbr_building, h.jordstykke, g.geom,
       coalesce((SELECT b.id FROM building b WHERE b.source_id = h.bbr_building),
                (SELECT b.id FROM building b WHERE ST_Covers(b.footprint, g.geom)
                 ORDER BY b.id LIMIT 1)) AS building_id,
       coalesce((SELECT q.id FROM parcel q WHERE q.source_register = 'matrikel'
                 AND q.source_id = h.jordstykke ORDER BY q.id LIMIT 1),
                (SELECT q.id FROM parcel q WHERE ST_Covers(q.geom, g.geom)
                 ORDER BY q.id LIMIT 1)) AS parcel_id
FROM h
JOIN p ON p.id = h.point
JOIN v ON v.id = h.vej
LEFT JOIN n ON n.id = h.post
CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.x, p.y), 25832) AS geom) g
"""

_DIFF = """
CREATE TEMP TABLE reg_address_diff ON COMMIT DROP AS
SELECT a.id, coalesce(s.source_id, a.source_id) AS source_id,
       CASE WHEN a.id IS NULL THEN 'added'
            WHEN s.source_id IS NULL THEN 'removed'
            WHEN (a.vejnavn, a.husnummer, a.postnummer, a.postnrnavn, a.bbr_building,
                  a.jordstykke, a.building_id, a.parcel_id)
                 IS DISTINCT FROM (s.vejnavn, s.husnummer, s.postnummer, s.postnrnavn,
                  s.bbr_building, s.jordstykke, s.building_id, s.parcel_id)
                 OR NOT ST_Equals(a.geom, s.geom) THEN 'changed'
            ELSE 'same' END AS what
FROM address a
FULL JOIN reg_address s USING (source_id)
WHERE s.source_id IS NOT NULL
   -- An address missing from the file is gone only where the extract reaches (the hull of
   -- its points): one municipality's extract never removes another's addresses.
   OR ST_Covers((SELECT ST_ConvexHull(ST_Collect(geom)) FROM reg_address), a.geom)
"""


def apply(conn: Connection, report: ImportReport) -> None:
    """Writes the differences between the file's addresses and the plan's (in the caller's
    change) and fills the report."""
    for t in ("reg_address", "reg_address_diff"):
        conn.execute(text(f"DROP TABLE IF EXISTS {t}"))
    conn.execute(text(_RESOLVED))
    conn.execute(text(_DIFF))

    def label(what: str) -> list[str]:
        rows = conn.execute(
            text(
                """
                SELECT coalesce(s.vejnavn || ' ' || s.husnummer, a.vejnavn || ' ' || a.husnummer)
                       || ' (' || d.source_id || ')'
                FROM reg_address_diff d
                LEFT JOIN reg_address s ON s.source_id = d.source_id
                LEFT JOIN address a ON a.id = d.id
                WHERE d.what = :w ORDER BY 1
                """
            ),
            {"w": what},
        )
        return list(rows.scalars())

    report.add("addresses added", label("added"))
    report.add("addresses changed", label("changed"))
    report.add("addresses removed", label("removed"))
    params = {"extract": report.extract_date}
    conn.execute(
        text(
            "DELETE FROM address"
            " WHERE id IN (SELECT id FROM reg_address_diff WHERE what = 'removed')"
        )
    )
    conn.execute(
        text(
            """
            UPDATE address a
            SET vejnavn = s.vejnavn, husnummer = s.husnummer, postnummer = s.postnummer,
                postnrnavn = s.postnrnavn, bbr_building = s.bbr_building,
                jordstykke = s.jordstykke, building_id = s.building_id, parcel_id = s.parcel_id,
                geom = s.geom, source_extract_date = :extract
            FROM reg_address_diff d JOIN reg_address s USING (source_id)
            WHERE d.id = a.id AND d.what = 'changed'
            """
        ),
        params,
    )
    conn.execute(
        text(
            """
            INSERT INTO address (source_id, vejnavn, husnummer, postnummer, postnrnavn,
                                 bbr_building, jordstykke, building_id, parcel_id, geom,
                                 source_extract_date)
            SELECT s.source_id, s.vejnavn, s.husnummer, s.postnummer, s.postnrnavn,
                   s.bbr_building, s.jordstykke, s.building_id, s.parcel_id, s.geom, :extract
            FROM reg_address_diff d JOIN reg_address s USING (source_id)
            WHERE d.what = 'added' ORDER BY s.source_id
            """
        ),
        params,
    )
    # BBR names a building the plan does not hold: the address is placed by its point only.
    missing = conn.execute(
        text(
            """
            SELECT vejnavn || ' ' || husnummer || ' names BBR building ' || bbr_building
            FROM reg_address s
            WHERE bbr_building IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM building b WHERE b.source_id = s.bbr_building)
            ORDER BY 1 LIMIT 100
            """
        )
    ).scalars()
    report.contradictions.extend(f"{m}, which the plan does not hold" for m in missing)


def place_addresses(conn: Connection) -> list[str]:
    """Puts every address on the building and parcel it resolves to in the plan as it is
    now (as an import does): run after a BBR or Matrikel import changed the plan, so an
    address follows a building BBR added or a parcel MAT split. The addresses moved."""
    rows = conn.execute(
        text(
            """
            WITH target AS (
                SELECT a.id,
                       coalesce((SELECT b.id FROM building b WHERE b.source_id = a.bbr_building),
                                (SELECT b.id FROM building b WHERE ST_Covers(b.footprint, a.geom)
                                 ORDER BY b.id LIMIT 1)) AS building_id,
                       coalesce((SELECT q.id FROM parcel q WHERE q.source_register = 'matrikel'
                                 AND q.source_id = a.jordstykke ORDER BY q.id LIMIT 1),
                                (SELECT q.id FROM parcel q WHERE ST_Covers(q.geom, a.geom)
                                 ORDER BY q.id LIMIT 1)) AS parcel_id
                FROM address a
            )
            UPDATE address a SET building_id = t.building_id, parcel_id = t.parcel_id
            FROM target t
            WHERE t.id = a.id AND (a.building_id, a.parcel_id)
                                  IS DISTINCT FROM (t.building_id, t.parcel_id)
            RETURNING a.vejnavn || ' ' || a.husnummer || ' (' || a.source_id || ')'
            """
        )
    ).scalars()
    return sorted(rows)


def addresses_follow(
    apply: Callable[[Connection, ImportReport], None],
) -> Callable[[Connection, ImportReport], None]:
    """A register's `apply` whose changes move addresses (BBR's buildings, MAT's parcels),
    followed, when it changed the plan, by every address placed again on what it resolves
    to, in the same recorded change."""

    def applied(conn: Connection, report: ImportReport) -> None:
        apply(conn, report)
        if not report.unchanged:
            report.add("addresses placed", place_addresses(conn))

    return applied


# The file read and applied as one recorded change (gis.registers.common.import_extract).
import_dar = partial(common.import_extract, register=REGISTER, read=read, apply=apply)


# --- the lookup ------------------------------------------------------------------------------

MAX_QUERY = 100
MAX_LIMIT = 50


def _like(token: str) -> str:
    return "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def check_search(q: str, limit: int) -> list[str]:
    """The query's words (checked before any I/O): at least one, at most 100 characters."""
    words = re.findall(r"[^\s,.]+", q or "")
    if not words or len(q) > MAX_QUERY or "\x00" in q:
        raise InvalidQuery("q", f"q: give a street name and number (1 to {MAX_QUERY} characters).")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery("limit", f"limit: 1 to {MAX_LIMIT}.")
    return words


def search(conn: Connection, words: list[str], limit: int) -> dict:
    """Addresses whose text ("Vollsmose Allé 12, 5240 Odense NØ") holds every word, those
    whose street starts with the first word first; a GeoJSON FeatureCollection in CRS84,
    each with its building, parcel and provenance."""
    params: dict = {"limit": limit, "first": _like(words[0])[1:]}  # the street's start
    where = []
    for i, w in enumerate(words):
        params[f"w{i}"] = _like(w)
        # a.search_text: vejnavn, husnummer, postnummer, postnrnavn (trigram index, 0021).
        where.append(f"a.search_text ILIKE :w{i}")
    sql = f"""
        WITH t AS (
            SELECT a.*, a.vejnavn || ' ' || a.husnummer
                   || coalesce(', ' || a.postnummer || coalesce(' ' || a.postnrnavn, ''), '')
                   AS label
            FROM address a
            WHERE {" AND ".join(where)}
        )
        SELECT json_build_object('type', 'FeatureCollection', 'features',
                                 coalesce(json_agg(f ORDER BY rank, label), '[]'::json))
        FROM (
            SELECT t.label, (t.vejnavn NOT ILIKE :first) AS rank,
                   json_build_object(
                'type', 'Feature', 'id', t.id,
                'geometry', ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7)::json,
                'properties', json_build_object(
                    'label', t.label, 'vejnavn', t.vejnavn, 'husnummer', t.husnummer,
                    'postnummer', t.postnummer, 'postnrnavn', t.postnrnavn,
                    'building_id', t.building_id, 'building_name', b.name,
                    'parcel_id', t.parcel_id,
                    'matrikel', p.ejerlavskode::text || '-' || p.matrikelnummer,
                    'source_register', 'dar', 'source_id', t.source_id,
                    'source_extract_date', t.source_extract_date)) AS f
            FROM t
            LEFT JOIN building b ON b.id = t.building_id
            LEFT JOIN parcel p ON p.id = t.parcel_id
            ORDER BY rank, t.label
            LIMIT :limit
        ) x
    """
    return conn.execute(text(sql), params).scalar_one()
