"""What of the land data each reader may see: the one declaration every land read consults.

Confidential sale data (`parcel_sale`: price, buyer, option holder, offered/option/expiry/sold
dates) exists only for readers with `read_confidential` (developer_company, admin); for
anyone else it does not exist. Facts derived from it are confidential too:

- **when a plot's sale data changed**: a sale-status change is made when the plot is offered,
  optioned or sold, so its time *is* the offered/option/sold date. Others see the status
  sequence and at most the year of each change (the year is public anyway, as `sale_year`);
  who made the change and why are the company's business, as the sale data itself. So a
  change of sale data alone moves nothing others can poll: not the plot's version (its ETag,
  `sale_versioned`) nor its history, not the data version their pages', areas' and tiles'
  ETags name (migration 0035), and not in a scenario taking the plot over for it either (its
  copies keep their versions, migration 0036). A status change is public when it is made.
- **the recorded time of a plan change that wrote a plot's land or sale rows** (its Part 4
  history): the same dates, kept by the plan record. Others see the year only, no actor,
  role or note.
- **the land rows at a recorded time** (`recorded=`, a scenario pinned at a time): asked at
  instants ever closer together, the plan record would find the instant a status changed, in
  the status shown or in the row's version (`change_id`, `recorded_from`, the ETag and the
  history built from them). Others get the land tables (`LAND_TABLES`) as recorded at the
  end of the year asked (now, in the current year), each row's change id opaque and its
  recorded time by the year: the plan version views do it, from the role each statement
  runs as (migration 0026), so no path can forget it.
- **the place of a change in the one sequence of changes**: a sale change takes its place
  there, so real change ids would show a gap between two public changes where one was made.
  Every change id others are shown, of any layer, is opaque (`opaque_changes`).
- **a public owner that names the option holder or buyer** of a plot not yet sold: the owner
  is public (parcels, buildings, tiles, viewer), so it may never carry either name
  (`check_public_owner`, at load and after every write; the database's own triggers refuse
  it at commit whoever writes, migration 0011).

Everything else of the land data (statuses, sale year and phase, building right, ...) is
public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, text

from gis.db import elevated
from gis.errors import DataError, Forbidden, InvalidParameter
from gis.roles import Permission, Reader

# The columns of `parcel_sale`, as the plots collection and the land queries name them.
CONFIDENTIAL_FIELDS: tuple[str, ...] = (
    "price_dkk",
    "buyer",
    "option_holder",
    "offered_date",
    "option_date",
    "option_expires",
    "sold_date",
)

# What the database's reader role (`gis.db.READER_ROLE`: the public's and a planner's
# sessions) may not select, as migrations 0014 and 0032 close it; a test holds the database
# to this. Tables closed as a whole (of the first two, only which parcel a row is of stays
# open; the token table is here because it is closed the same way, though it is not land
# data) ...
CONFIDENTIAL_TABLES: tuple[str, ...] = (
    "parcel_sale",
    "parcel_sale_version",
    "sale_status_change",
    "api_token",
    # the key of the opaque change ids below (migration 0026)
    "vm_secret",
    # every change's time, actor and note, and which change ids exist (migration 0032)
    "plan_change",
)
# What dates or orders a version of a plan row (migration 0010): of a land table's rows, the
# exact time of a land change, a sale date (migration 0032) ...
VERSION_COLUMNS: tuple[str, ...] = ("recorded_from", "change_id")
# ... and of its version table's rows also when they were superseded and by which change,
# and their place in the table's own sequence.
SUPERSEDED_COLUMNS: tuple[str, ...] = (*VERSION_COLUMNS, "recorded_to", "superseded_by", "vid")
# The land tables the reader role reads the rest of: the adopted plan through the views
# named as them in the schema named as the role (on its default search_path, `"$user"`),
# every version through the plan version views, which run with their owner's rights and
# give the reader the versions by the year with opaque change ids (migrations 0026, 0032).
READER_VIEW_TABLES: tuple[str, ...] = ("parcel", "parcel_land")
# ... and the columns that stay closed where others are open.
CONFIDENTIAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "parcel_sale": (*CONFIDENTIAL_FIELDS, *VERSION_COLUMNS),
    "parcel_sale_version": (*CONFIDENTIAL_FIELDS, *SUPERSEDED_COLUMNS),
    "sale_status_change": ("changed_at", "actor", "note", "change_id"),
    **{t: VERSION_COLUMNS for t in READER_VIEW_TABLES},
    **{f"{t}_version": SUPERSEDED_COLUMNS for t in READER_VIEW_TABLES},
    # The instant of the last change to any map data, a sale's too (migration 0033): caches
    # key by the bump's random stamp instead; and the counter and stamp that sale data moves
    # too (migration 0035): the reader role reads its own, which sale data does not move.
    "data_version": ("changed_at", "version", "stamp"),
}

# The tables of sale data alone (a plot's), declared once: the editor writes them with the
# sale's permission and versions them for the readers who may read them (gis.editing.specs,
# store), their writes move no public data version (gis.data_version), and a scenario's
# override of them alone is no override for others (gis.scenarios).
SALE_TABLES: frozenset[str] = frozenset({"parcel_sale"})

# The plan tables of the parcel feature, whose versions (at a recorded time, their change ids
# and recorded times) others get by the year only (migration 0026's version views).
LAND_TABLES: tuple[str, ...] = ("parcel", "parcel_land", "parcel_sale")

# A sale-status history entry as others see it: the sequence of statuses and the year.
PUBLIC_STATUS_HISTORY_FIELDS: tuple[str, ...] = ("changed_year", "from_status", "to_status")
# ... and in full (for readers with read_confidential).
STATUS_HISTORY_FIELDS: tuple[str, ...] = ("changed_at", "from_status", "to_status", "actor", "note")
# The collections whose features carry a parcel's land and sale rows (gis.editing.specs).
LAND_COLLECTIONS: frozenset[str] = frozenset({"plots", "parcels"})
# Of a plan change that wrote sale data, what others see besides its year: its kind, and its
# id, opaque as every change id they see (`opaque_changes`; a planner restores a version by
# it).
PUBLIC_CHANGE_FIELDS: tuple[str, ...] = ("id", "kind")


def may_read(reader: Reader) -> bool:
    return reader.may(Permission.READ_CONFIDENTIAL)


def sale_versioned(collection: str, reader: Reader) -> bool:
    """Whether a feature's version (its ETag, its history) as `reader` reads it covers its
    sale data: for a land feature and a reader who may read sale data. For anyone else a
    change of sale data alone is no version of the feature: they would learn its moment."""
    return collection in LAND_COLLECTIONS and may_read(reader)


def year_of(at: dt.datetime | str) -> int:
    """The year of a change, in the plan's own clock (Danish time), as `sale_year` counts."""
    from gis.record import LOCAL

    when = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    return when.astimezone(LOCAL).year


def status_history_fields(reader: Reader) -> tuple[str, ...]:
    """The fields of a sale-status history entry `reader` may see."""
    return STATUS_HISTORY_FIELDS if may_read(reader) else PUBLIC_STATUS_HISTORY_FIELDS


# (The tables themselves, not a plan version's views: every row ever written.)
# Changes that wrote one of the parcel's land or sale rows (current or superseded), or its
# sale-status history: their recorded time is a sale date. Over-approximates (a change of
# the building right counts too), which errs on the side of the secret.
_SALE_CHANGES = text(
    """
    SELECT change_id FROM public.parcel_land WHERE parcel_id = :id
    UNION SELECT change_id FROM public.parcel_land_version WHERE parcel_id = :id
    UNION SELECT superseded_by FROM public.parcel_land_version WHERE parcel_id = :id
    UNION SELECT change_id FROM public.parcel_sale WHERE parcel_id = :id
    UNION SELECT change_id FROM public.parcel_sale_version WHERE parcel_id = :id
    UNION SELECT superseded_by FROM public.parcel_sale_version WHERE parcel_id = :id
    UNION SELECT change_id FROM public.sale_status_change WHERE parcel_id = :id
    """
)


def opaque_changes(reader: Reader) -> bool:
    """Whether every change id `reader` is shown is opaque (`gis.record.opaque_ids`): for
    anyone who may not read sale data. A real id is a place in the one sequence of changes,
    and sale data's changes are in it: a gap between two ids they can see would tell them
    that a change they cannot see was made between those two moments."""
    return not may_read(reader)


def shown_change(conn: Connection, change_id: int | None, reader: Reader) -> int | None:
    """A change's id as `reader` may see it."""
    from gis import record

    if change_id is None or not opaque_changes(reader):
        return change_id
    return record.opaque_ids(conn, [change_id])[change_id]


def version_tag(conn: Connection, change_id: int | None, scenario: str, reader: Reader) -> str:
    """A feature's version tag (ETag) as `reader` reads it: opaque for a reader who may not
    read sale data (`gis.record.masked_tag`, as the land version views and `vm_land_change`
    give a land row's, migration 0026), so a write answers the tag its GET gives."""
    from gis import record

    if opaque_changes(reader):
        return record.masked_tag(conn, change_id, scenario)
    return record.version_tag(change_id, scenario)


def check_version(
    conn: Connection,
    if_match: str | None,
    change_id: int | None,
    scenario: str,
    reader: Reader,
    public_change: int | None = None,
) -> None:
    """A write's precondition (`gis.record.check_if_match`) on a feature's version as
    `reader` read it: `change_id` its version, `public_change` that of its public parts
    where they differ (a land feature's, for a reader whose version covers its sale data).

    A reader who may not read sale data names it by its opaque tag only (`opaque_changes`):
    the plain tag's number is a place in the one sequence of changes, not theirs to
    confirm. Anyone else names it by the plain tag, or by the opaque tag of what they read
    as the public reads it, which has not changed (never the plain tag of the public parts,
    which a change of sale data alone does not move)."""
    from gis import record

    if opaque_changes(reader):
        record.check_if_match(if_match, record.masked_tag(conn, change_id, scenario))
        return
    public = change_id if public_change is None else public_change
    record.check_if_match(
        if_match, record.version_tag(change_id, scenario), record.masked_tag(conn, public, scenario)
    )


def feature_history(
    conn: Connection, collection: str, feature_id: int, versions: list[dict], reader: Reader
) -> list[dict]:
    """A Part 4 feature history (gis.editing.history) as `reader` may see it. For a reader
    who may not read sale data, every change's id and every version's tag is opaque
    (`opaque_changes`); of a parcel's versions made by a change of its land or sale data,
    they see the change's year only, and its place in the list within its year only: those
    versions come first in their year (the feature's current version stays last, as a
    writer takes its tag from there). The features the versions show are the database's, by
    the year too (migration 0026)."""
    from gis import record

    if not opaque_changes(reader):
        return versions
    secret: set[int] = set()
    if collection in LAND_COLLECTIONS:
        # Which changes wrote land or sale rows: closed to the reader role (migration 0032),
        # read with the login role's rights for this statement only.
        with elevated(conn):
            found = conn.execute(_SALE_CHANGES, {"id": feature_id}).scalars().all()
        secret = {c for c in found if c is not None}
    opaque = record.opaque_ids(conn, [v["change"]["id"] for v in versions])
    out = []
    for v in versions:
        change = v["change"]
        shown = {**change, "id": opaque[change["id"]]}
        if change["id"] in secret:
            shown = {k: (shown[k] if k in PUBLIC_CHANGE_FIELDS else None) for k in shown}
            shown["recorded_at"] = None
            shown["recorded_year"] = year_of(change["recorded_at"])
        tag = v["version"]
        tag = f'{tag[: tag.rindex("v")]}v{shown["id"]}"'
        out.append({**v, "change": shown, "version": tag})
    if not secret or not out:
        return out

    def place(i: int) -> tuple[int, int, int]:
        change = out[i]["change"]
        year = change.get("recorded_year") or year_of(change["recorded_at"])
        return (year, 0 if change["recorded_at"] is None else 1, i)

    order = sorted(range(len(out) - 1), key=place)
    return [out[i] for i in order] + [out[-1]]


# A parcel not yet sold whose public owner (its own, or a building's on it) names its option
# holder or buyer. The rule is defined once, in the database (`vm_owner_leaks`, migration
# 0011), whose triggers refuse such data at commit whoever writes; asked here, it reads the
# tables the transaction sees: the adopted plan, or the scenario it entered.
_OWNER_LEAKS = text("SELECT * FROM vm_owner_leaks(CAST(:ids AS integer[]))")


def owner_leaks(conn: Connection, parcel_ids: Iterable[int] | None = None) -> list[tuple]:
    """(parcel id, matrikelnummer, 'parcel' or 'building N') of every public owner that
    names the confidential option holder or buyer of a parcel not yet sold."""
    ids = None if parcel_ids is None else list(parcel_ids)
    return [tuple(r) for r in conn.execute(_OWNER_LEAKS, {"ids": ids})]


def check_public_owner(conn: Connection, parcel_ids: Iterable[int] | None = None) -> None:
    """Refuses (`InvalidParameter` on `owner`, in the caller's transaction, which must roll
    back) a public owner that names the parcel's option holder or buyer before the sale.
    The message names the parcel, never the name: the writer may not read it."""
    found = owner_leaks(conn, parcel_ids)
    if found:
        _id, matrikel, what = found[0]
        raise InvalidParameter(
            "owner",
            f"The owner of {what} on parcel {matrikel} names the party the plot is under "
            "option to or being sold to, which is confidential until the sale: the public "
            "owner of a plot not yet sold is its current owner.",
        )


# The statuses in which a plot may have a party recorded: on offer (a bidder taking an
# option), under option, sold (the holder and buyer stay as the sale's record).
PARTY_STATUSES: tuple[str, ...] = ("on_offer", "under_option", "sold")
_PARTY_OUT_OF_SALE = text(
    """
    SELECT p.matrikelnummer, l.sale_status,
           CASE WHEN s.option_holder IS NOT NULL THEN 'option_holder' ELSE 'buyer' END AS field
    FROM parcel p
    JOIN parcel_land l ON l.parcel_id = p.id
    JOIN parcel_sale s ON s.parcel_id = p.id
    WHERE (CAST(:ids AS integer[]) IS NULL OR p.id = ANY(CAST(:ids AS integer[])))
      AND l.sale_status <> ALL(CAST(:statuses AS text[]))
      AND (s.option_holder IS NOT NULL OR s.buyer IS NOT NULL)
    ORDER BY p.id LIMIT 1
    """
)


def check_parties_in_sale(conn: Connection, parcel_ids: Iterable[int] | None) -> None:
    """Refuses (422, in the caller's transaction, which must roll back) an option holder or
    buyer recorded on a plot whose public status is not a sale's (`PARTY_STATUSES`); of
    every plot when `parcel_ids` is None.

    Whether a plot is in a sale must be public, for a planner's owner write is refused on a
    plot in a sale (`check_owner_writer`): were a party recorded on a plot only 'planned',
    that refusal would tell the planner one is. Asked after a write of a reader who may read
    sale data (only they can record a party, or change a status), of the version written."""
    ids = None if parcel_ids is None else list(parcel_ids)
    found = conn.execute(_PARTY_OUT_OF_SALE, {"ids": ids, "statuses": list(PARTY_STATUSES)}).first()
    if found is not None:
        raise InvalidParameter(
            found.field,
            f"Parcel {found.matrikelnummer} is '{found.sale_status}': an option holder or "
            f"buyer is recorded only while a plot is {', '.join(PARTY_STATUSES)}. Change its "
            "status first, or clear them.",
        )


# A write that sets a public owner where it could name a plot's confidential option holder or
# buyer: of a parcel its owner, of a building its owner or its place (which parcel it is on).
_OWNER_WRITES: dict[str, frozenset[str]] = {
    "parcels": frozenset({"owner"}),
    "buildings": frozenset({"owner", "geometry"}),
}
# Parcels in a sale, by what anyone can see (on offer, under option), where a public owner
# could name a party. Writes record a party only on such a plot (or a sold one,
# `check_parties_in_sale`); the last clause keeps refusing where data written before that
# rule holds one on a plot not in a sale, as the owner guard would refuse the name itself.
_IN_SALE = text(
    """
    SELECT p.matrikelnummer FROM parcel p
    JOIN parcel_land l ON l.parcel_id = p.id
    LEFT JOIN parcel_sale s ON s.parcel_id = p.id
    WHERE p.id = ANY(CAST(:ids AS integer[])) AND l.sale_status <> 'sold'
      AND (l.sale_status IN ('on_offer', 'under_option')
           OR s.option_holder IS NOT NULL OR s.buyer IS NOT NULL)
    ORDER BY p.id LIMIT 1
    """
)
_OWNER_OF = {
    "parcels": text("SELECT owner FROM parcel WHERE id = :id"),
    "buildings": text("SELECT owner FROM building WHERE id = :id"),
}


def check_owner_writer(
    conn: Connection, collection: str, feature_id: int, reader: Reader, changed: Iterable[str]
) -> None:
    """Refuses (403) a writer who may not read the sale data a public owner of a parcel in a
    sale: the database's owner guard would refuse exactly the owner that names the party,
    and a writer who could tell that refusal from others could guess the confidential name
    one try at a time. This refusal depends on nothing confidential: who writes, that an
    owner is set, and the parcel's public status (a party is recorded only on a plot in a
    sale, `check_parties_in_sale`; `_IN_SALE` keeps older data that breaks that refused)."""
    if may_read(reader) or not _OWNER_WRITES.get(collection, frozenset()) & set(changed):
        return
    if conn.execute(_OWNER_OF[collection], {"id": feature_id}).scalar() is None:
        return
    matrikel = conn.execute(_IN_SALE, {"ids": parcels_of(conn, collection, feature_id)}).scalar()
    if matrikel is not None:
        raise Forbidden(
            f"The public owner of parcel {matrikel}, or of a building on it, is written by "
            "the land company (developer_company) or an admin while the plot is in a sale: "
            "its parties are confidential until the sale."
        )


def check_reference(conn: Connection) -> None:
    """The loaded reference data publishes no option holder or buyer as an owner, and
    records them only on plots in a sale."""
    check_parties_in_sale(conn, None)
    found = owner_leaks(conn)
    if found:
        listed = ", ".join(f"{m} ({w})" for _i, m, w in found)
        raise DataError(
            f"{len(found)} public owner(s) name the option holder or buyer of a plot not yet "
            f"sold: {listed}."
        )


def parcels_of(conn: Connection, collection: str, feature_id: int) -> list[int]:
    """The parcels whose public owners a write of the feature may have changed."""
    if collection in LAND_COLLECTIONS:
        return [feature_id]
    if collection == "buildings":
        found = conn.execute(
            text("SELECT parcel_id FROM building WHERE id = :id"), {"id": feature_id}
        ).scalar()
        return [] if found is None else [found]
    return []
