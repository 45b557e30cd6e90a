"""Reading the program: delprogrammer with their effects, indicators (values, targets,
status and trend), indsatser and links; the dependency graph; the employment track.

A suppressed value is answered as `{"value": null, "suppressed": true}` with its provenance:
there is no number to show, since none was stored.
"""

from __future__ import annotations

import operator
from collections import defaultdict

from sqlalchemy import Connection, select

from gis.errors import NotFound
from gis.models.program import Delprogram, Effect, Indicator, Indsats, Link, Target, Value
from gis.program.derived import DERIVED

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
EMPLOYMENT = {
    "excess": "offentlig_forsoergelse_merantal",
    "share_vollsmose": "offentlig_forsoergelse_andel",
    "share_rest_of_odense": "offentlig_forsoergelse_andel_odense",
    "gap_points": "offentlig_forsoergelse_forskel",
    "outside_work_list": "uden_for_arbejdsmarkedet_liste",
}
EMPLOYMENT_YEARS = range(2019, 2029)


def _value(v) -> dict:
    return {
        "year": v.year,
        "value": None if v.suppressed else v.value,
        "suppressed": v.suppressed,
        "provenance": v.provenance,
        "source": v.source,
        "source_date": v.source_date.isoformat() if v.source_date else None,
    }


def _target(t) -> dict:
    return {
        "year": t.year,
        "kind": t.kind,
        "comparison": t.comparison,
        "value": t.value,
        "note": t.note,
        "source": t.source,
        "illustrative": t.illustrative,
    }


def check(value: dict | None, targets: list[dict]) -> str:
    """The status of a year's value against that year's targets and milestones."""
    if not targets:
        return "no_target"
    if value is None:
        return "no_data"
    if value["suppressed"]:
        return "suppressed"
    met = all(COMPARE[t["comparison"]](value["value"], t["value"]) for t in targets)
    return "met" if met else "not_met"


def assess(better: str, values: list[dict], targets: list[dict]) -> dict:
    """Latest value, its status against the targets of its year, the next target, the trend."""
    latest = values[-1] if values else None
    shown = [v for v in values if not v["suppressed"]]
    of_year = [t for t in targets if latest and t["year"] == latest["year"]]
    after = latest["year"] if latest else None
    upcoming = [t for t in targets if after is None or t["year"] > after]
    trend = None
    if len(shown) >= 2:
        a, b = shown[-2]["value"], shown[-1]["value"]
        if a == b:
            trend = "unchanged"
        else:
            trend = "improving" if (b < a) == (better == "lower") else "worsening"
    return {
        "latest": latest,
        "status": check(latest, of_year) if latest else "no_data",
        "next_target": upcoming[0] if upcoming else None,
        "trend": trend,
    }


def _indicators(conn: Connection, delprogram_ids: list[int]) -> dict[int, list[dict]]:
    inds = conn.execute(
        select(Indicator)
        .where(Indicator.delprogram_id.in_(delprogram_ids))
        .order_by(Indicator.delprogram_id, Indicator.position)
    )
    inds = list(inds)
    ids = [i.id for i in inds]
    values: dict[int, list[dict]] = defaultdict(list)
    for v in conn.execute(select(Value).where(Value.indicator_id.in_(ids)).order_by(Value.year)):
        values[v.indicator_id].append(_value(v))
    targets: dict[int, list[dict]] = defaultdict(list)
    for t in conn.execute(
        select(Target).where(Target.indicator_id.in_(ids)).order_by(Target.year, Target.kind)
    ):
        targets[t.indicator_id].append(_target(t))
    for i in inds:
        if i.key in DERIVED and not values[i.id]:
            values[i.id] = DERIVED[i.key](conn)
    out: dict[int, list[dict]] = defaultdict(list)
    for i in inds:
        out[i.delprogram_id].append(
            {
                "key": i.key,
                "name": i.name,
                "unit": i.unit,
                "better": i.better,
                "description": i.description,
                "source": i.source,
                "values": values[i.id],
                "targets": targets[i.id],
                **assess(i.better, values[i.id], targets[i.id]),
            }
        )
    return out


def _head(d: Delprogram) -> dict:
    return {
        "number": d.number,
        "slug": d.slug,
        "name": d.name,
        "scope": d.scope,
        "committees": d.committees.split() if d.committees else [],
        "summary": d.summary,
        "source": d.source,
    }


def _effects(conn: Connection, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    rows = conn.execute(
        select(Effect).where(Effect.delprogram_id.in_(ids)).order_by(Effect.position)
    )
    for e in rows:
        out[e.delprogram_id].append({"phase": e.phase, "text": e.text})
    return out


def _indsatser(conn: Connection, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    rows = conn.execute(
        select(Indsats).where(Indsats.delprogram_id.in_(ids)).order_by(Indsats.position)
    )
    for s in rows:
        out[s.delprogram_id].append(
            {
                "number": s.position,
                "name": s.name,
                "decided": s.decided,
                "committee": s.committee,
                "start_year": s.start_year,
                "end_year": s.end_year,
                "years_illustrative": s.years_illustrative,
                "status": s.status,
                "note": s.note,
            }
        )
    return out


def delprogrammer(conn: Connection, with_values: bool = False) -> list[dict]:
    """Every delprogram with its effects and indicators (latest value, status, next target
    and trend); `with_values` keeps every year's values and targets too."""
    rows = list(conn.execute(select(Delprogram).order_by(Delprogram.number)))
    ids = [d.id for d in rows]
    effects, indicators = _effects(conn, ids), _indicators(conn, ids)
    out = []
    for d in rows:
        inds = indicators[d.id]
        if not with_values:
            inds = [{k: v for k, v in i.items() if k not in ("values", "targets")} for i in inds]
        out.append({**_head(d), "effects": effects[d.id], "indicators": inds})
    return out


def indsatser_by_slug(conn: Connection) -> dict[str, list[dict]]:
    """Every delprogram's indsatser, by its slug, in one query (for the page)."""
    slugs = dict(conn.execute(select(Delprogram.id, Delprogram.slug)).tuples().all())
    found = _indsatser(conn, list(slugs))
    return {slug: found[id_] for id_, slug in slugs.items()}


def delprogram(conn: Connection, slug: str) -> dict:
    d = conn.execute(select(Delprogram).where(Delprogram.slug == slug)).first()
    if d is None:
        raise NotFound("delprogram", slug)
    names = dict(conn.execute(select(Delprogram.id, Delprogram.slug)).tuples().all())
    links = conn.execute(
        select(Link).where((Link.from_id == d.id) | (Link.to_id == d.id)).order_by(Link.id)
    )
    return {
        **_head(d),
        "effects": _effects(conn, [d.id])[d.id],
        "indicators": _indicators(conn, [d.id])[d.id],
        "indsatser": _indsatser(conn, [d.id])[d.id],
        "links": [
            {
                "from": names[link.from_id],
                "to": names[link.to_id],
                "kind": link.kind,
                "strength": link.strength,
                "note": link.note,
            }
            for link in links
        ],
    }


def graph(conn: Connection) -> dict:
    """Nodes (the delprogrammer) and edges: a dependency points from the delprogram that waits
    to the one it waits for; a synergy is one undirected edge per pair, with the delprogrammer
    whose sections of the plan state it."""
    nodes = conn.execute(
        select(Delprogram.id, Delprogram.number, Delprogram.slug, Delprogram.name).order_by(
            Delprogram.number
        )
    ).all()
    slug = {n.id: n.slug for n in nodes}
    edges: list[dict] = []
    synergies: dict[tuple[str, str], dict] = {}
    for link in conn.execute(select(Link).order_by(Link.id)):
        a, b = slug[link.from_id], slug[link.to_id]
        if link.kind == "dependency":
            edges.append(
                {
                    "kind": "dependency",
                    "from": a,
                    "to": b,
                    "strength": link.strength,
                    "notes": [link.note],
                    "stated_by": [a],
                }
            )
            continue
        pair = tuple(sorted((a, b)))
        edge = synergies.setdefault(
            pair,
            {
                "kind": "synergy",
                "from": pair[0],
                "to": pair[1],
                "strength": link.strength,
                "notes": [],
                "stated_by": [],
            },
        )
        edge["notes"].append(link.note)
        edge["stated_by"].append(a)
    return {
        "nodes": [{"slug": n.slug, "number": n.number, "name": n.name} for n in nodes],
        "edges": edges + list(synergies.values()),
    }


def employment_track(conn: Connection) -> dict:
    """Delprogram 3's track year by year (values at the end of each year): the excess on
    public support against its target, the shares in Vollsmose and the rest of Odense and
    their gap, the list criterion; each year's status, and the milestones of December 2024."""
    keys = list(EMPLOYMENT.values())
    inds = {i.key: i for i in conn.execute(select(Indicator).where(Indicator.key.in_(keys)))}
    if len(inds) != len(keys):
        raise NotFound("indicator", ", ".join(sorted(set(keys) - set(inds))))
    by_id = {i.id: i.key for i in inds.values()}
    values: dict[str, dict[int, dict]] = defaultdict(dict)
    for v in conn.execute(select(Value).where(Value.indicator_id.in_(by_id))):
        values[by_id[v.indicator_id]][v.year] = _value(v)
    targets: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    milestones = []
    for t in conn.execute(
        select(Target).where(Target.indicator_id.in_(by_id)).order_by(Target.year)
    ):
        key = by_id[t.indicator_id]
        targets[key][t.year].append(_target(t))
        if t.kind == "milestone":
            got = values[key].get(t.year)
            milestones.append(
                {
                    "indicator": key,
                    "name": inds[key].name,
                    **_target(t),
                    "actual": got,
                    "status": check(got, [_target(t)]),
                }
            )
    years = []
    for year in EMPLOYMENT_YEARS:
        row: dict = {"year": year}
        statuses = []
        for field, key in EMPLOYMENT.items():
            got = values[key].get(year)
            of_year = targets[key].get(year, [])
            status = check(got, of_year)
            row[field] = {"actual": got, "targets": of_year, "status": status}
            if of_year:
                statuses.append(status)
        row["status"] = (
            "not_met"
            if "not_met" in statuses
            else "met"
            if statuses and all(s == "met" for s in statuses)
            else "no_data"
            if statuses
            else "no_target"
        )
        years.append(row)
    return {
        "delprogram": "job-og-uddannelse",
        "baseline": values[EMPLOYMENT["excess"]].get(2019),
        "indicators": {field: inds[key].name for field, key in EMPLOYMENT.items()},
        "years": years,
        "milestones": milestones,
        "illustrative": any(
            v["provenance"] == "illustrative" for vs in values.values() for v in vs.values()
        ),
    }


def value_rows(conn: Connection) -> list[dict]:
    """Every stored value with its indicator and delprogram, for export (suppressed: no
    number)."""
    rows = conn.execute(
        select(Delprogram.slug, Indicator.key, Indicator.unit, *Value.__table__.c)
        .join(Indicator, Indicator.delprogram_id == Delprogram.id)
        .join(Value, Value.indicator_id == Indicator.id)
        .order_by(Delprogram.number, Indicator.position, Value.year)
    ).all()
    return [{"delprogram": r.slug, "indicator": r.key, "unit": r.unit, **_value(r)} for r in rows]
