"""The annual status report, rendered here and read back with pypdf, page by page."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from gis.program import query as program_query
from gis.render.report import A4, render_report
from tests.monitoring.expected import actuals, to_date

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
POINTS_PER_INCH = 72
PORTRAIT = tuple(v * POINTS_PER_INCH for v in A4)
# English a Danish report must not hold (whole words, any case).
ENGLISH = re.compile(
    r"\b(the|and|of|with|from|page|legend|source|behind|planned|ahead|not due|on plan|"
    r"decision|explanation|signature|date|status report|illustrative only|buildings|roads)\b",
    re.IGNORECASE,
)
# Path construction and painting operators of a PDF content stream.
PATH_OPS = re.compile(rb"(?<![A-Za-z/])(re|m|l|c|f\*?|S|B\*?)(?=\s)")


def _danish(n: float) -> str:
    return f"{round(n):,}".replace(",", ".")


def _read(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [p.extract_text() for p in reader.pages]


def _section(pages: list[str], title: str) -> list[int]:
    """The pages (0-based) with a line starting `title`, its heading (the title page's
    contents skipped; pypdf gives a page's text in drawing order, its tables first)."""
    return [
        n
        for n, p in enumerate(pages)
        if n > 0 and any(line.startswith(title) for line in p.splitlines())
    ]


def _forms(page) -> list:
    """The form XObjects a page draws (the report's print maps are placed as one)."""
    xobjects = page["/Resources"].get_object().get("/XObject", {})
    found = []
    for name, ref in xobjects.items():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Form" and re.search(
            rf"{re.escape(name)}\s+Do".encode(), page.get_contents().get_data()
        ):
            found.append(obj)
    return found


@pytest.fixture(scope="module")
def report(ref_engine):
    with ref_engine.connect() as conn:
        rendered = render_report(conn, "vollsmose", 2025)
        gone = conn.execute(
            text(
                "SELECT sum(s.dwellings) FROM building b"
                " JOIN dwelling_stock s ON s.building_id = b.id"
                " WHERE b.department = 'Bøgeparken' AND b.demolished_year < 2025"
            )
        ).scalar_one()
        programs = program_query.delprogrammer(conn)
    reader, pages = _read(rendered.content)
    return rendered, reader, pages, gone, programs


def test_every_page_is_a4_numbered_danish_and_carries_the_note(report) -> None:
    rendered, reader, pages, *_ = report
    assert len(reader.pages) == rendered.pages
    for n, (page, page_text) in enumerate(zip(reader.pages, pages, strict=True), start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        # A4, portrait; the full-page maps A4 landscape.
        assert sorted((w, h)) == pytest.approx(sorted(PORTRAIT), abs=1)
        assert f"Side {n} af {rendered.pages}" in page_text
        assert "omtrentligt" in page_text  # the reference-data note on every page
        assert not ENGLISH.findall(page_text), (n, ENGLISH.findall(page_text))
    # No raster image anywhere: charts, maps and the map of Odense are vector drawings.
    assert all(not page.images for page in reader.pages)


def test_title_page_and_its_contents_name_the_pages(report) -> None:
    rendered, _, pages, *_ = report
    title = pages[0]
    assert "Statusrapport 2025" in title and "Transport- og Boligministeriet" in title
    assert "Tilstand pr. 1. januar 2025" in title
    for heading, first in (
        ("Sammenfatning og nøgletal", "Statusrapport 2025"),
        ("Andel almene familieboliger mod 40 % og 38,4 %", "Andel almene familieboliger mod"),
        ("Delprogrammer: indikatorer og milepæle", "Delprogrammer"),
        ("Fremdrift pr. plan-punkt", "Fremdrift pr. plan-punkt"),
        ("Beslutninger truffet i 2024 og historik", "Beslutninger truffet i 2024"),
        ("Kilder og datagrundlag", "Kilder og datagrundlag"),
        ("Godkendelse", "Godkendelse"),
    ):
        number = int(re.search(rf"{re.escape(heading)}\s*(\d+)", title).group(1))
        assert number - 1 == _section(pages, first)[0], heading


def test_summary_share_progress_and_rehousing_pages(report) -> None:
    _, _, pages, gone, _ = report
    whole = "\n".join(pages)
    assert "1. januar 2025" in pages[1] and "bagud" in pages[1]
    [share] = _section(pages, "Andel almene familieboliger mod 40 % og 38,4 %")
    assert "40 %-grænsen" in pages[share] and "38,4 %: udviklingsplanens mål" in pages[share]
    civica = to_date(actuals("genhusning-civica"), 2025)
    assert f"{_danish(civica)} af planlagt {_danish(97 * 4)} husstande" in whole
    [dept] = _section(pages, "Afdelinger og genhusning")
    assert "Bøgeparken" in pages[dept] and _danish(gone) in pages[dept]
    progress = "\n".join(pages[n] for n in _section(pages, "Fremdrift pr. plan-punkt"))
    assert "Nedrivning, Bøgeparken" in progress
    # Titles are wrapped, never cut.
    assert "…" not in progress
    assert _section(pages, "Områdekriterier og listestatus")


def test_each_delprogram_with_its_indicators_and_milestones(report) -> None:
    _, _, pages, _, programs = report
    found = _section(pages, "Delprogrammer: indikatorer og milepæle")
    assert found
    program = " ".join(" ".join(pages[n].split()) for n in found)
    for d in programs:
        assert f"{d['number']}. {' '.join(d['name'].split())}" in program
    # Delprogram 3's milestone of December 2024 and a status; the behind ones say so.
    assert "delmål 2024" in program and "ikke nået" in program
    assert "Forklaring mangler" in program


def test_full_page_maps_of_the_year_and_2030_are_vector_with_legends(report) -> None:
    _, reader, pages, *_ = report
    for year in (2025, 2030):
        [n] = [n for n, p in enumerate(pages) if f"Fremtidsbillede {year}, gengivet" in p]
        page = reader.pages[n]
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        assert f"Fremtidsbillede {year}" in pages[n] and "tilstand pr. 1. januar" in pages[n]
        # The legend's sections and the scale bar.
        assert "Bygninger" in pages[n] and "Veje" in pages[n] and "250 m" in pages[n]
        [form] = _forms(page)
        drawing = form.get_data()
        assert len(PATH_OPS.findall(drawing)) > 1000  # drawn as paths
        assert b" Do" not in drawing.replace(b"/VmMap Do", b"")  # and no image inside
        assert not page.images


def test_timeline_has_its_colour_key(report) -> None:
    _, _, pages, *_ = report
    [n] = _section(pages, "Tidslinje 2020–2030")
    key = pages[n]
    assert "Farveforklaring" in key
    for label in ("som planlagt", "foran planen", "bagud", "ikke begyndt", "ikke besluttet"):
        assert label in key
    assert "1. januar 2025" in key


def test_provenance_notes_and_sign_off_block(report) -> None:
    _, _, pages, *_ = report
    notes = "\n".join(pages[n] for n in _section(pages, "Kilder og datagrundlag"))
    assert "Referencedatasæt" in notes or "referencedatasæt" in notes
    assert "illustrativ" in notes and "Indikatorernes kilder" in notes
    [sign] = _section(pages, "Godkendelse")
    assert pages[sign].count("Underskrift") == 4 and pages[sign].count("Dato") >= 4
    for role in ("Formand for Realiseringsbestyrelsen", "Odense Kommune", "Civica", "FAB"):
        assert role in pages[sign]
    assert pages[-1] == pages[sign]  # the sign-off closes the report


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
    assert len(reader.pages) > 12 and "Statusrapport 2026" in pages[0]


def test_report_over_http_as_pdf_and_html(ref_client) -> None:
    r = ref_client.get("/areas/vollsmose/report?year=2025&f=pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "Statusrapport 2025" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    html = ref_client.get("/areas/vollsmose/report?year=2025")
    assert html.status_code == 200
    assert "Statusrapport 2025" in html.text and "/maps/fremtidsbillede/2030.png" in html.text
    assert ref_client.get("/areas/nowhere/report?year=2025").status_code == 404


def test_report_of_an_area_without_plan_items(ref_conn) -> None:
    rendered = render_report(ref_conn, "kertemindevejkvarteret", 2025)
    reader, pages = _read(rendered.content)
    assert len(reader.pages) == rendered.pages
    assert "0 af 0 planpunkter" in pages[1] and "Kertemindevejkvarteret" in pages[1]
    program = _section(pages, "Delprogrammer:")
    assert len(program) == 1 and "ingen udviklingsplan med delprogrammer" in pages[program[0]]
