"""What every register importer shares: one streaming reader, one problem list, one report,
and one step that applies an import as one recorded change of the plan.

An importer (`matrikel`, `bbr`; DAR and Plandata fit the same mould) does three things:

1. `read`: streams the file (`stream`, ijson: never the whole file in memory), checks every
   record and stages the good ones in temporary tables (`Stage`, COPY). Every problem is
   added to a `Problems` list naming its record and field; reading goes on, so the user
   sees all of them at once.
2. If there is any problem, `ImportRefused` is raised before anything is written.
3. `apply_as_change`: in a savepoint, opens one plan change (kind 'import'), lets the
   importer diff the staged rows against the plan and write the differences, and rolls
   the savepoint back when there were none (the same file twice records nothing).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO, Any

import ijson
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity
from sqlalchemy import Connection, text
from tqdm import tqdm

from gis.db import storable
from gis.errors import DataError, InvalidQuery
from gis.record import LOCAL, begin_change
from gis.state import MAX_YEAR, MIN_YEAR

# Where a point or a vertex of Danish data in EPSG:25832 can be (all of Denmark with a
# margin, Bornholm included): a coordinate outside is in another CRS (degrees, most often).
DK_25832 = (100_000.0, 5_900_000.0, 1_100_000.0, 6_500_000.0)
# Problems listed in full; past this, counted only (a wrong file would list a million).
MAX_LISTED = 1000


@dataclass(frozen=True)
class Problem:
    record: str  # "BygningList[3] (id_lokalId …)", "line 4", or "file"
    field: str | None
    message: str

    def as_dict(self) -> dict:
        return {"record": self.record, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.record}, {self.field}" if self.field else self.record
        return f"{where}: {self.message}"


class ImportRefused(DataError):
    """The file's problems, each naming its record and field; nothing was written."""

    def __init__(self, register: str, problems: Sequence[Problem], total: int) -> None:
        more = f" (the first {len(problems)} listed)" if total > len(problems) else ""
        super().__init__(
            f"{total} problem{'s' if total != 1 else ''} in the {register} file{more}; "
            "nothing was imported."
        )
        self.register = register
        self.problems = list(problems)
        self.errors = [p.as_dict() for p in problems]


class Problems:
    """The problems found while reading one file."""

    def __init__(self, register: str) -> None:
        self.register = register
        self.listed: list[Problem] = []
        self.total = 0

    def add(self, record: str, field_name: str | None, message: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED:
            # A record's label and a message may quote the file: shown as text any answer
            # can carry (a lone surrogate cannot be UTF-8, so it would fail the 422 itself).
            self.listed.append(Problem(shown(record), field_name, shown(message)))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportRefused(self.register, self.listed, self.total)


Source = str | bytes | IO[bytes]


def open_source(source: Source) -> IO[bytes]:
    """A seekable binary file: a path, the bytes of an upload, or an open file."""
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, str):
        return open(source, "rb")  # noqa: SIM115 (closed by the caller's `with`)
    return source


# A UTF-8 byte order mark, which some tools write at the start of a JSON file (as of a CSV):
# not part of the document, skipped.
BOM = b"\xef\xbb\xbf"
# yajl, ijson's fast parser, decodes a \uD800-\uDFFF escape wrongly: a lone high surrogate
# as "?", one followed by any other \u escape as an unrelated character, a lone low one as
# bytes Python cannot decode. A file holding such an escape is read by ijson's pure-Python
# parser (slower, and only such files), which keeps what the file says: the checks then
# refuse a lone surrogate by its record and field, and a pair is the character it encodes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_PARSERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_surrogate_escape(f: IO[bytes]) -> bool:
    f.seek(0)
    tail = b""
    while chunk := f.read(1 << 20):
        if _SURROGATE_ESCAPE.search(tail + chunk):
            return True
        tail = chunk[-5:]  # an escape cut by the chunk's end
    return False


def _parser(f: IO[bytes]):
    """The ijson backend that reads `f` right, with `f` at the start of its document."""
    parser = _PARSERS.get(f)
    if parser is None:
        parser = ijson.get_backend("python") if _has_surrogate_escape(f) else ijson
        with suppress(TypeError):  # a file without weak references: looked at every time
            _PARSERS[f] = parser
    f.seek(0)
    if f.read(len(BOM)) != BOM:
        f.seek(0)
    return parser


@contextmanager
def _utf8_checked() -> Iterator[None]:
    # yajl lets bytes that are not UTF-8 (an encoded surrogate) through to Python's decoder.
    try:
        yield
    except UnicodeDecodeError as exc:
        raise ijson.IncompleteJSONError(f"the text is not UTF-8 ({exc.reason})") from exc


def first_key(f: IO[bytes], keys: Iterable[str]) -> str | None:
    """The first top-level key of the JSON document that is one of `keys` (a cheap look:
    it stops there), None when the document has none of them. Raises ijson.JSONError."""
    wanted = set(keys)
    parser = _parser(f)
    with _utf8_checked():
        for prefix, event, value in parser.parse(f):
            if prefix == "" and event == "map_key" and value in wanted:
                return value
            if prefix == "" and event == "start_array":
                return None  # a bare array: no key at all
    return None


def stream(f: IO[bytes], prefix: str) -> Iterator[dict]:
    """The objects of the array at `prefix` (ijson's dotted path: "BygningList.item"), one at
    a time; numbers as float/int. Raises ijson.JSONError where the text stops being JSON."""
    parser = _parser(f)
    with _utf8_checked():
        yield from parser.items(f, prefix, use_float=True)


def progress(items: Iterable, desc: str, enabled: bool) -> Iterable:
    """A progress bar on stderr for a long step (off for the HTTP upload and in tests)."""
    if not enabled:
        return items
    return tqdm(items, desc=desc, unit=" records", file=sys.stderr, mininterval=0.5)


def not_json(problems: Problems, exc: Exception) -> None:
    raw = exc.args[0] if len(exc.args) == 1 else str(exc)
    # yajl gives its message as bytes, with the text around the fault on lines of their own.
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    message = " ".join(message.split()) or type(exc).__name__
    problems.add("file", None, f"not valid JSON: {message[:200]}")


def shown(text: str) -> str:
    """`text` as an answer or a terminal can show it: a lone surrogate and a NUL escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def unstorable(value: str) -> str | None:
    """Why PostgreSQL text cannot hold `value` (gis.db.storable), None if it can."""
    if storable(value):
        return None
    if "\x00" in value:
        return "holds a NUL character"
    return "holds a lone surrogate (\\ud800-\\udfff), which is no character"


class Stage:
    """Temporary tables of the rows read, filled by COPY (dropped at commit)."""

    def __init__(self, conn: Connection, table: str, columns: str) -> None:
        self.conn = conn
        self.table = table
        # "a text, g geometry(Point, 25832)": the names, commas in parentheses kept.
        names = ", ".join(c.split()[0] for c in re.split(r",(?![^()]*\))", columns))
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
        self._copy_sql = f"COPY {table} ({names}) FROM STDIN"
        self._rows: list[Sequence[Any]] = []

    def add(self, row: Sequence[Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= 5000:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        raw = self.conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(self._copy_sql) as copy:
            for row in self._rows:
                copy.write_row(row)
        self._rows = []


def run_script(conn: Connection, script: str, params: dict | None = None) -> None:
    """Runs statements separated by ';' at the end of a line, each with the parameters it
    names (a prepared statement holds one command)."""
    for statement in re.split(r";\s*\n", script):
        if statement.strip():
            names = set(re.findall(r"(?<!:):(\w+)", statement))
            conn.execute(text(statement), {k: v for k, v in (params or {}).items() if k in names})


@dataclass
class ImportReport:
    """What an import changed, by kind ("buildings added": [...]), and the contradictions
    between the register and the plan it found (reported, never changed)."""

    register: str
    extract_date: dt.date
    read: dict[str, int] = field(default_factory=dict)
    changes: dict[str, list] = field(default_factory=dict)
    contradictions: list[str] = field(default_factory=list)
    change_id: int | None = None

    def add(self, kind: str, items: list) -> None:
        if items:
            self.changes.setdefault(kind, []).extend(items)

    @property
    def unchanged(self) -> bool:
        return not any(self.changes.values())

    def as_dict(self) -> dict:
        return {
            "register": self.register,
            "extract_date": self.extract_date.isoformat(),
            "read": self.read,
            "unchanged": self.unchanged,
            "change_id": self.change_id,
            "changes": {k: v for k, v in self.changes.items() if v},
            "counts": {k: len(v) for k, v in self.changes.items() if v},
            "contradictions": self.contradictions,
        }

    def lines(self) -> list[str]:
        read = ", ".join(f"{n} {what}" for what, n in self.read.items())
        out = [f"{self.register} extract of {self.extract_date.isoformat()}: read {read}"]
        if self.unchanged:
            out.append("nothing changed: the plan already holds this extract")
        else:
            out.append(
                f"recorded as change {self.change_id}:" if self.change_id else "would change:"
            )
            for kind, items in self.changes.items():
                if items:
                    shown = ", ".join(str(i) for i in items[:10])
                    more = f" … and {len(items) - 10} more" if len(items) > 10 else ""
                    out.append(f"  {len(items)} {kind}: {shown}{more}")
        for c in self.contradictions:
            out.append(f"contradiction: {c}")
        return out


def today() -> dt.date:
    """Today in Denmark: an extract's date when none is given."""
    return dt.datetime.now(LOCAL).date()


def check_extract_date(date: dt.date) -> dt.date:
    """An extract's date, the one rule for every way in (the upload, `vollsmose import`):
    within the platform's years (gis.state: what it plans, what its editors accept of the
    years an import writes) and not after today, Danish time (an extract is of a day that
    has been). InvalidQuery naming `extract_date` otherwise; checked before the file is read."""
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise InvalidQuery(
            "extract_date",
            f"extract_date {date.isoformat()} is outside the platform's years "
            f"({MIN_YEAR} to {MAX_YEAR}).",
        )
    if date > (now := today()):
        raise InvalidQuery(
            "extract_date",
            f"extract_date {date.isoformat()} is after today ({now.isoformat()}, Danish time): "
            "an extract is of a day that has been.",
        )
    return date


def import_extract(
    conn: Connection,
    source: Source,
    *,
    register: str,
    read: Callable[..., dict],
    apply: Callable[[Connection, ImportReport], None],
    extract_date: dt.date,
    actor: str,
    role: str | None = None,
    show_progress: bool = False,
) -> ImportReport:
    """Reads the file with the register's `read` (refusing it whole with every problem
    listed) and applies it with its `apply` as one recorded change; the caller's
    transaction commits it. Each register binds its own (`bbr.import_bbr`, …)."""
    check_extract_date(extract_date)
    counts = read(conn, source, show_progress=show_progress)
    report = ImportReport(register, extract_date, read=counts)
    return apply_as_change(conn, report, apply, actor=actor, role=role, show_progress=show_progress)


def apply_as_change(
    conn: Connection,
    report: ImportReport,
    apply: Callable[[Connection, ImportReport], None],
    *,
    actor: str,
    role: str | None,
    show_progress: bool = False,
) -> ImportReport:
    """Runs `apply` (diff the staged rows against the plan, write the differences into the
    report and the tables) as one plan change of kind 'import'; with no difference, nothing
    is recorded at all. The caller's transaction commits or rolls back the whole."""
    if show_progress:
        print(f"{report.register}: comparing with the plan and writing the differences …",
              file=sys.stderr, flush=True)  # fmt: skip
    with conn.begin_nested() as savepoint:
        change = begin_change(
            conn,
            actor=actor,
            role=role,
            kind="import",
            note=f"{report.register} extract of {report.extract_date.isoformat()}",
        )
        apply(conn, report)
        if report.unchanged:
            savepoint.rollback()
        else:
            report.change_id = change.id
    return report


def number(
    problems: Problems,
    record: str,
    obj: dict,
    name: str,
    *,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
    required: bool = False,
) -> float | int | None:
    """A numeric field (BBR writes codes as "120" or 120): None when absent or null (a
    problem if `required`); a problem, and None, when it is not a number in range."""
    raw = obj.get(name)
    if raw is None or raw == "":
        if required:
            problems.add(record, name, "missing")
        return None
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        problems.add(record, name, f"{str(raw)[:40]!r} is not a number")
        return None
    if integer:
        if value != int(value):
            problems.add(record, name, f"{raw!r} is not a whole number")
            return None
        value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        problems.add(record, name, f"{raw!r} is out of range ({minimum:g} to {maximum:g})")
        return None
    return value


def text_field(
    problems: Problems, record: str, obj: dict, name: str, *, required: bool, max_len: int = 64
) -> str | None:
    raw = obj.get(name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        if required:
            problems.add(record, name, "missing")
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    if not isinstance(raw, str):
        problems.add(record, name, "is not a text")
        return None
    value = raw.strip()
    if (why := unstorable(value)) is not None:
        problems.add(record, name, why)
        return None
    if len(value) > max_len:
        problems.add(record, name, f"is longer than {max_len} characters")
        return None
    return value


def registration(problems: Problems, record: str, obj: dict) -> str:
    """When the register registered the object's state (`registreringFra`), as text that
    orders its registrations ("" when absent, or refused with the problem listed)."""
    raw = obj.get("registreringFra")
    if raw is None:
        return ""
    value = raw if isinstance(raw, str) else str(raw)
    if (why := unstorable(value)) is not None:
        problems.add(record, "registreringFra", why)
        return ""
    return value


def in_denmark(x: float, y: float) -> bool:
    xmin, ymin, xmax, ymax = DK_25832
    return xmin <= x <= xmax and ymin <= y <= ymax


def current_registration(obj: dict) -> bool:
    """BBR and MAT are bitemporal: a record is the current state when neither its
    registration (what the register knew) nor its effect (what held) has ended."""
    return obj.get("registreringTil") is None and obj.get("virkningTil") is None


def later_registration(a: dict, b: dict) -> bool:
    """Whether `a` is a later current registration of the same object than `b`."""
    key = ("registreringFra", "virkningFra")
    return tuple(str(a.get(k) or "") for k in key) > tuple(str(b.get(k) or "") for k in key)


# --- GeoJSON, as MAT and Plandata deliver it -------------------------------------------------

EPSG_25832 = {
    "EPSG:25832",
    "urn:ogc:def:crs:EPSG::25832",
    "http://www.opengis.net/def/crs/EPSG/0/25832",
}


def polygon(problems: Problems, record: str, raw) -> MultiPolygon | None:
    """A GeoJSON Polygon or MultiPolygon in EPSG:25832 in Denmark, valid, as a MultiPolygon;
    None, with the problem listed, otherwise."""
    if not isinstance(raw, dict):
        problems.add(record, "geometry", "missing (a Polygon or MultiPolygon is needed)")
        return None
    if raw.get("type") not in ("Polygon", "MultiPolygon"):
        problems.add(record, "geometry", f"a {raw.get('type')!r}, not a Polygon or MultiPolygon")
        return None
    try:
        geom = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        problems.add(record, "geometry", "its coordinates do not make a polygon")
        return None
    if geom.has_z:
        geom = shapely.force_2d(geom)  # heights are no part of a parcel's or a plan's area
    if geom.is_empty:
        problems.add(record, "geometry", "empty")
        return None
    xmin, ymin, xmax, ymax = geom.bounds
    if not (in_denmark(xmin, ymin) and in_denmark(xmax, ymax)):
        # The first point that is not, not the corner of the bounds (which may be no point).
        x, y = next(
            ((x, y) for x, y in shapely.get_coordinates(geom) if not in_denmark(x, y)),
            (xmin, ymin),
        )
        problems.add(
            record,
            "geometry",
            f"the point ({x:g}, {y:g}) is not EPSG:25832 in Denmark (wrong CRS?)",
        )
        return None
    if not geom.is_valid:
        problems.add(record, "geometry", f"invalid: {explain_validity(geom)}")
        return None
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def check_geojson_crs(f: IO[bytes], problems: Problems) -> None:
    """A GeoJSON `crs` member, when there is one, must name EPSG:25832."""
    for crs in stream(f, "crs"):
        props = crs.get("properties") if isinstance(crs, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        if name not in EPSG_25832:
            shown = repr(name) if isinstance(name, str) else "a crs with no name"
            problems.add("file", "crs", f"{shown[:80]}: the file must be in EPSG:25832")
