"""What planners write for the annual status report, kept by year: an explanation per item
that is behind (a plan item or a delprogram's indicator), and the decisions taken.

Nothing is overwritten (migration 0020): writing a subject's text again supersedes the one
before, so every version stays with who wrote it and when. The report of a year shows that
year's texts and, as history, those of the years before. Reads follow the plan version the
connection is in: `recorded=` answers the texts as they were written then.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, text

from gis.areas import get_area
from gis.errors import InvalidParameter, NotFound
from gis.roles import Reader

KINDS = ("explanation", "decision", "signatory")
MAX_BODY = 4000
MAX_TITLE = 200
FIRST_YEAR, LAST_YEAR = 2020, 2040
SUBJECT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

SUBJECT_KNOWN = text(
    """
    SELECT EXISTS (SELECT 1 FROM plan_item WHERE area_id = :area AND key = :subject)
        OR EXISTS (SELECT 1 FROM program_indicator WHERE key = :subject)
    """
)
CURRENT = text(
    """
    SELECT id FROM report_text
    WHERE area_id = :area AND year = :year AND kind = :kind AND subject = :subject
      AND superseded_at IS NULL
    """
)
SUPERSEDE = text("UPDATE report_text SET superseded_at = :now WHERE id = :id")
INSERT = text(
    """
    INSERT INTO report_text (area_id, year, kind, subject, title, body, decided_on, author,
                             author_role, written_at)
    VALUES (:area, :year, :kind, :subject, :title, :body, :decided_on, :author, :role, :now)
    RETURNING id
    """
)
# The texts as recorded at the connection's recorded time (vm_recorded(): now by default).
READ = text(
    """
    SELECT t.id, t.year, t.kind, t.subject, t.title, t.body, t.decided_on, t.author,
           t.author_role, t.written_at, t.superseded_at
    FROM report_text t
    WHERE t.area_id = :area AND t.year <= :year AND t.written_at <= vm_recorded()
      AND (:versions OR t.superseded_at IS NULL OR t.superseded_at > vm_recorded())
    ORDER BY t.year DESC, t.kind, t.decided_on, t.subject, t.written_at DESC
    """
)


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidParameter("year", f"A report year from {FIRST_YEAR} to {LAST_YEAR}.")
    return year


def check_subject(subject: str, parameter: str = "subject") -> str:
    if not SUBJECT.match(subject):
        raise InvalidParameter(
            parameter, "A key of lower-case letters, digits, '-' and '_', at most 64."
        )
    return subject


def _check_text(value: str | None, field: str, limit: int) -> str:
    if value is None or not value.strip():
        raise InvalidParameter(field, "Text is required.")
    if len(value) > limit:
        raise InvalidParameter(field, f"At most {limit} characters.")
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise InvalidParameter(field, "Control characters are not allowed.")
    return value.strip()


def check_decided_on(decided_on: dt.date, year: int, today: dt.date | None = None) -> dt.date:
    """A decision of the report of `year` was taken in the year it reports on (the year
    before its state of 1 January) or in `year` itself, up to the day it is written."""
    today = today or dt.date.today()
    if decided_on > today:
        raise InvalidParameter("decided_on", "A decision cannot be dated in the future.")
    if decided_on.year not in (year - 1, year):
        raise InvalidParameter(
            "decided_on", f"The report of {year} records decisions of {year - 1} or {year}."
        )
    return decided_on


def check_explanation(year: int, subject: str, body: str) -> dict:
    return {
        "year": check_year(year),
        "subject": check_subject(subject),
        "body": _check_text(body, "text", MAX_BODY),
    }


def check_decision(year: int, subject: str, title: str, body: str, decided_on: dt.date) -> dict:
    return {
        "year": check_year(year),
        "subject": check_subject(subject),
        "title": _check_text(title, "title", MAX_TITLE),
        "body": _check_text(body, "text", MAX_BODY),
        "decided_on": check_decided_on(decided_on, year),
    }


NEXT_DECISION = text(
    """
    SELECT count(DISTINCT subject) + 1 FROM report_text
    WHERE area_id = :area AND year = :year AND kind = 'decision'
    """
)


def _lock(conn: Connection, *parts) -> None:
    # Two writers of one subject queue here, so each supersedes the other's text, never both
    # the same one (the partial unique index would refuse the second with an error).
    key = "/".join(str(p) for p in parts)
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('report_text'), hashtext(:k))"), {"k": key}
    )


def new_decision_subject(conn: Connection, area: str, year: int) -> str:
    """The key of a new decision of the report of `year`: `beslutning-<n>`, n from 1. Holds
    the area's decision lock until the transaction ends, so two new decisions get two keys."""
    info = get_area(conn, area)
    _lock(conn, info.id, year, "decision", "*")
    n = conn.execute(NEXT_DECISION, {"area": info.id, "year": year}).scalar_one()
    return f"beslutning-{n}"


def check_signatory(year: int, subject: str, role: str, name: str) -> dict:
    return {
        "year": check_year(year),
        "subject": check_subject(subject),
        "title": _check_text(role, "role", MAX_TITLE),
        "body": _check_text(name, "name", MAX_TITLE),
    }


def write(
    conn: Connection, area: str, kind: str, values: dict, writer: Reader, *, create: bool = True
) -> dict:
    """Stores a checked text (`check_explanation`, `check_decision`) as the current one of its
    subject, superseding the one before (`create=False`: only that, a 404 when there is
    none). Returns it, with whether it replaced one."""
    info = get_area(conn, area)
    if (
        kind == "explanation"
        and not conn.execute(
            SUBJECT_KNOWN, {"area": info.id, "subject": values["subject"]}
        ).scalar_one()
    ):
        raise NotFound("plan item or indicator", values["subject"])
    key = {"area": info.id, "year": values["year"], "kind": kind, "subject": values["subject"]}
    _lock(conn, info.id, values["year"], kind, values["subject"])
    now = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    before = conn.execute(CURRENT, key).scalar_one_or_none()
    if before is None and not create:
        raise NotFound(kind, f"{values['year']}/{values['subject']}")
    if before is not None:
        conn.execute(SUPERSEDE, {"id": before, "now": now})
    conn.execute(
        INSERT,
        {
            **key,
            "title": values.get("title"),
            "body": values["body"],
            "decided_on": values.get("decided_on"),
            "author": writer.name,
            "role": writer.role.value,
            "now": now,
        },
    )
    current = texts(conn, area, values["year"], versions=False)
    found = next(
        t
        for t in current["texts"]
        if (t["kind"], t["subject"], t["year"]) == (kind, values["subject"], values["year"])
    )
    return {**found, "replaced": before is not None}


def _row(r) -> dict:
    return {
        "year": r.year,
        "kind": r.kind,
        "subject": r.subject,
        "title": r.title,
        "text": r.body,
        "decided_on": r.decided_on.isoformat() if r.decided_on else None,
        "author": r.author,
        "author_role": r.author_role,
        "written_at": r.written_at.isoformat(),
        "superseded_at": r.superseded_at.isoformat() if r.superseded_at else None,
    }


def texts(conn: Connection, area: str, year: int, *, versions: bool = False) -> dict:
    """The texts of the report of `year` and of the years before (newest year first);
    `versions` adds the superseded versions too."""
    check_year(year)
    info = get_area(conn, area)
    rows = conn.execute(READ, {"area": info.id, "year": year, "versions": versions})
    return {"area": info.slug, "year": year, "texts": [_row(r) for r in rows]}


def for_report(conn: Connection, area: str, year: int) -> dict:
    """What the report shows: this year's explanations by subject and decisions, and the
    earlier years' as history (current versions only)."""
    found = texts(conn, area, year)["texts"]
    return {
        "explanations": {
            t["subject"]: t for t in found if t["kind"] == "explanation" and t["year"] == year
        },
        "decisions": [t for t in found if t["kind"] == "decision" and t["year"] == year],
        "signatories": [t for t in found if t["kind"] == "signatory" and t["year"] == year],
        "history": [t for t in found if t["year"] < year and t["kind"] != "signatory"],
    }
