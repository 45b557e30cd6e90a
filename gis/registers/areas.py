"""A designated area defined by its cadastral parcels, as the law defines it.

The parcel list is a CSV with the header `ejerlavskode,matrikelnummer` (DOMAIN.md), one
parcel a row; an optional third column `quarter` names the quarter each parcel belongs to.
Without it the area has one quarter, the whole area. The boundary is the union of the
parcels (imported from Matrikel first); the tenure mix and the legal share then come from
the buildings whose anchor lies in it, like every other area's.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis.errors import Conflict, InvalidParameter
from gis.models import AREA_KINDS
from gis.record import SLUG, begin_change
from gis.registers.common import Problems

# The law's Danish names of the kinds of area (almenboligloven § 61 a), beside the
# platform's own.
KIND_ALIASES = {
    "omdannelsesomraade": "omdannelse",
    "omdannelsesområde": "omdannelse",
    "parallelsamfundsomraade": "parallelsamfund",
    "forebyggelsesomraade": "forebyggelse",
    "forebyggelsesområde": "forebyggelse",
    "udsat_boligomraade": "udsat",
    "haardt_ghettoomraade": "hard_ghetto",
}
MAX_PARCELS = 100_000
QUARTER_SET = "matrikler"


@dataclass(frozen=True)
class DefinedArea:
    slug: str
    name: str
    kind: str
    parcels: int
    quarters: list[str]
    area_m2: float
    change_id: int


def parse_kind(kind: str) -> str:
    k = kind.strip().lower()
    k = KIND_ALIASES.get(k, k)
    if k not in AREA_KINDS:
        names = ", ".join([*AREA_KINDS, *sorted(KIND_ALIASES)])
        raise InvalidParameter("kind", f"kind: '{kind}' is none of {names}.")
    return k


def _slugify(name: str) -> str:
    ascii_name = (
        unicodedata.normalize("NFKD", name.replace("ø", "oe").replace("æ", "ae"))
        .encode("ascii", "ignore")
        .decode()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64] or "kvarter"


def parse_parcels(content: str) -> list[tuple[int, str, str | None]]:
    """(ejerlavskode, matrikelnummer, quarter or None) for each row; every bad row is a
    problem of the one ImportRefused raised."""
    problems = Problems("parcel list")
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["ejerlavskode", "matrikelnummer"] or header[2:] not in ([], ["quarter"]):
        problems.add("line 1", None, "the header must be ejerlavskode,matrikelnummer[,quarter]")
        problems.raise_if_any()
    rows: list[tuple[int, str, str | None]] = []
    seen: dict[tuple[int, str], int] = {}
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"line {line}"
        if len(row) != len(header):
            problems.add(where, None, f"{len(row)} columns, not {len(header)}")
            continue
        raw_elk, nummer = row[0].strip(), row[1].strip()
        quarter = row[2].strip() if len(row) > 2 else None
        if not raw_elk.isdigit() or not 0 < int(raw_elk) < 2**31:
            problems.add(where, "ejerlavskode", f"'{raw_elk[:20]}' is not an ejerlavskode")
            continue
        if not nummer or len(nummer) > 32:
            problems.add(where, "matrikelnummer", "missing or longer than 32 characters")
            continue
        if len(header) > 2 and not quarter:
            problems.add(where, "quarter", "missing")
            continue
        key = (int(raw_elk), nummer)
        if key in seen:
            problems.add(where, "matrikelnummer", f"{key[0]}-{nummer} is on line {seen[key]} too")
            continue
        seen[key] = line
        rows.append((key[0], nummer, quarter))
    if not rows and not problems:
        problems.add("file", None, "lists no parcel")
    if len(rows) > MAX_PARCELS:
        problems.add("file", None, f"more than {MAX_PARCELS} parcels")
    problems.raise_if_any()
    return rows


def define_area(
    conn: Connection,
    slug: str,
    *,
    name: str,
    kind: str,
    parcels_csv: str,
    actor: str,
    role: str | None = None,
) -> DefinedArea:
    """Creates the area with its quarter set (`matrikler`) and quarters, as one change."""
    if not SLUG.match(slug):
        raise InvalidParameter("slug", "slug: lower-case letters, digits and '-', at most 64.")
    if not name.strip() or len(name) > 200:
        raise InvalidParameter("name", "name: a name of 1 to 200 characters.")
    kind = parse_kind(kind)
    rows = parse_parcels(parcels_csv)
    change = begin_change(conn, actor=actor, role=role, kind="create", note=f"area {slug}")
    if conn.execute(text("SELECT 1 FROM area WHERE slug = :s"), {"s": slug}).first():
        raise Conflict(f"An area '{slug}' exists already.")
    conn.execute(
        text(
            "CREATE TEMP TABLE reg_area_parcel (ejerlavskode integer, matrikelnummer text, "
            "quarter text, line integer) ON COMMIT DROP"
        )
    )
    conn.execute(
        text("INSERT INTO reg_area_parcel VALUES (:e, :m, :q, :n)"),
        [{"e": e, "m": m, "q": q, "n": n} for n, (e, m, q) in enumerate(rows, start=2)],
    )
    missing = conn.execute(
        text(
            """
            SELECT r.line, r.ejerlavskode || '-' || r.matrikelnummer AS key
            FROM reg_area_parcel r
            WHERE NOT EXISTS (SELECT 1 FROM parcel p WHERE p.ejerlavskode = r.ejerlavskode
                              AND p.matrikelnummer = r.matrikelnummer)
            ORDER BY r.line
            """
        )
    ).all()
    if missing:
        problems = Problems("parcel list")
        for m in missing:
            problems.add(
                f"line {m.line}", "matrikelnummer", f"no parcel {m.key} (import Matrikel first)"
            )
        problems.raise_if_any()
    quarters: dict[str, str] = {}
    for _, _, q in rows:
        label = q or name
        quarters.setdefault(label, _slugify(label))
    if len(set(quarters.values())) != len(quarters):
        raise InvalidParameter("quarter", "quarter: two quarter names give the same slug.")
    union = """
        SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(p.geom)), 3))
        FROM reg_area_parcel r
        JOIN parcel p USING (ejerlavskode, matrikelnummer)
    """
    area = conn.execute(
        text(
            f"""
            INSERT INTO area (slug, name, kind, description, data_source, boundary)
            VALUES (:slug, :name, :kind, :description, :source, ({union}))
            RETURNING id, ST_Area(boundary) AS m2
            """
        ),
        {
            "slug": slug,
            "name": name.strip(),
            "kind": kind,
            "description": f"Defined by {len(rows)} cadastral parcels.",
            "source": "Danish registers: parcels from Matrikel, buildings and dwellings "
            "from BBR (as imported; see each feature's source).",
        },
    ).one()
    qs = conn.execute(
        text(
            "INSERT INTO quarter_set (area_id, slug, name, description) "
            "VALUES (:a, :s, 'Kvarterer', 'Quarters by cadastral parcels') RETURNING id"
        ),
        {"a": area.id, "s": QUARTER_SET},
    ).scalar_one()
    for label, qslug in quarters.items():
        where = "coalesce(r.quarter, :name) = :label"
        conn.execute(
            text(
                f"""
                INSERT INTO quarter (quarter_set_id, slug, name, geom)
                SELECT :qs, :slug, :label,
                       ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(p.geom)), 3))
                FROM reg_area_parcel r JOIN parcel p USING (ejerlavskode, matrikelnummer)
                WHERE {where}
                """
            ),
            {"qs": qs, "slug": qslug, "label": label, "name": name.strip()},
        )
    return DefinedArea(
        slug, name.strip(), kind, len(rows), list(quarters), float(area.m2), change.id
    )
