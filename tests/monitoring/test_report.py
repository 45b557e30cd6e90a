"""The annual status report, rendered here and read back with pypdf."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from gis.render.report import A4, render_report
from tests.monitoring.expected import actuals, to_date

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
POINTS_PER_INCH = 72


def _danish(n: float) -> str:
    return f"{round(n):,}".replace(",", ".")


def _read(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [p.extract_text() for p in reader.pages]


def test_report_pages_maps_tables_and_figures(ref_conn) -> None:
    rendered = render_report(ref_conn, "vollsmose", 2025)
    reader, pages = _read(rendered.content)
    assert len(reader.pages) == rendered.pages == 8
    whole = "\n".join(pages)

    for page in reader.pages:  # A4 portrait
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (w, h) == pytest.approx(tuple(v * POINTS_PER_INCH for v in A4), abs=1)
    for n, page_text in enumerate(pages, start=1):
        assert f"Side {n} af 8" in page_text
        assert "omtrentligt" in page_text  # the reference-data note on every page
    # The three fremtidsbilleder are images on the maps page.
    assert len(reader.pages[1].images) == 3
    assert all(y in pages[1] for y in ("2020", "2025", "2030"))

    assert "Statusrapport 2025" in pages[0] and "1. januar 2025" in pages[0]
    # Rehousing and a department's demolitions, computed here from the data.
    civica = to_date(actuals("genhusning-civica"), 2025)
    assert f"{_danish(civica)} af planlagt {_danish(97 * 4)} husstande" in whole
    gone = ref_conn.execute(
        text(
            "SELECT sum(s.dwellings) FROM building b JOIN dwelling_stock s ON s.building_id = b.id"
            " WHERE b.department = 'Bøgeparken' AND b.demolished_year < 2025"
        )
    ).scalar_one()
    dept_page = pages[5]
    assert "Bøgeparken" in dept_page and _danish(gone) in dept_page
    assert "Nedrivning, Bøgeparken" in pages[4]
    assert "Områdekriterier og listestatus" in pages[6]
    # Behind plan, per the generated summary: the items the progress says are behind.
    assert "bagud" in pages[0]


def test_report_command_writes_the_pdf(ref_database_url, tmp_path) -> None:
    out = tmp_path / "report.pdf"
    env = {**os.environ, "DATABASE_URL": ref_database_url}
    subprocess.run(
        [VOLLSMOSE, "report", "--area", "vollsmose", "--year", "2026", "--out", str(out)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    reader, pages = _read(out.read_bytes())
    assert len(reader.pages) == 8 and "Statusrapport 2026" in pages[0]


def test_report_over_http_as_pdf_and_html(ref_client) -> None:
    r = ref_client.get("/areas/vollsmose/report?year=2025&f=pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(r.content)).pages) == 8
    html = ref_client.get("/areas/vollsmose/report?year=2025")
    assert html.status_code == 200
    assert "Statusrapport 2025" in html.text and "/maps/fremtidsbillede/2030.png" in html.text
    assert ref_client.get("/areas/nowhere/report?year=2025").status_code == 404


def test_report_of_an_area_without_plan_items(ref_conn) -> None:
    rendered = render_report(ref_conn, "kertemindevejkvarteret", 2025)
    reader, pages = _read(rendered.content)
    assert len(reader.pages) == 8
    assert "0 af 0 planpunkter" in pages[0] and "Kertemindevejkvarteret" in pages[0]
