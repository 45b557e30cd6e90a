"""The law's 40 % and the development plan's 38.4 %: API, monitoring page and report."""

from __future__ import annotations

import io

from pypdf import PdfReader

from gis import law
from gis.render.report import render_report


def _trajectory(ref_client) -> dict[int, float]:
    r = ref_client.get("/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2032")
    assert r.status_code == 200
    return {y["year"]: y["total"]["legal_share"] for y in r.json()["years"]}


def _first_at_or_below(shares: dict[int, float], target: float) -> int | None:
    return next((y for y, s in sorted(shares.items()) if s is not None and s <= target), None)


def test_api_gives_both_targets_with_gap_and_first_year(ref_client) -> None:
    shares = _trajectory(ref_client)
    r = ref_client.get("/areas/vollsmose/legal-share/targets?year=2025")
    assert r.status_code == 200
    body = r.json()
    targets = {t["key"]: t for t in body["targets"]}
    assert targets["law"]["target"] == 0.40 and targets["plan"]["target"] == 0.384
    for t in targets.values():
        # One share (the trajectory's), compared with two levels.
        assert t["share"] == shares[2025]
        assert abs(t["gap"] - (shares[2025] - t["target"])) < 1e-4
        assert t["met"] is (shares[2025] <= t["target"])
        assert t["share_at_deadline"] == shares[law.DEADLINE_YEAR]
        assert t["first_year_met"] == _first_at_or_below(shares, t["target"])
        assert t["provenance"]["kind"] in ("law", "plan") and t["provenance"]["source"]
    assert targets["plan"]["provenance"]["kind"] == "plan"
    assert "38,4 %" in targets["plan"]["provenance"]["source"]
    assert body["share_provenance"]["kind"] == "plan"
    # The plan's lower goal is met no earlier than the law's limit.
    law_first, plan_first = targets["law"]["first_year_met"], targets["plan"]["first_year_met"]
    assert law_first is not None
    assert plan_first is None or plan_first >= law_first


def test_api_unknown_area_and_bad_year(ref_client) -> None:
    assert ref_client.get("/areas/nowhere/legal-share/targets").status_code == 404
    r = ref_client.get("/areas/vollsmose/legal-share/targets?year=abc")
    assert r.status_code in (400, 422) and "year" in r.text


def test_monitoring_page_and_html_report_show_both_targets(ref_client) -> None:
    targets = ref_client.get("/areas/vollsmose/legal-share/targets?year=2025").json()["targets"]
    for path in ("/kort/omraader/vollsmose/fremdrift", "/areas/vollsmose/report"):
        html = ref_client.get(f"{path}?year=2025").text
        assert 'id="andel-maal"' in html
        for t in targets:
            row = html.split(f'data-target="{t["key"]}"', 1)[1].split("</tr>", 1)[0]
            assert f"{t['target'] * 100:.1f} %".replace(".", ",") in row
            assert str(t["first_year_met"] or "ikke inden") in row
            assert "procentpoint" in row
        # The chart draws both lines.
        assert "class='limit'" in html and "class='target'" in html
        assert "udviklingsplanens mål" in html


def test_pdf_report_shows_both_targets(ref_conn, ref_client) -> None:
    targets = ref_client.get("/areas/vollsmose/legal-share/targets?year=2025").json()["targets"]
    pages = [
        p.extract_text()
        for p in PdfReader(io.BytesIO(render_report(ref_conn, "vollsmose", 2025).content)).pages
    ]
    # pages[0] is the title page, with the contents.
    share_page = next(p for p in pages[1:] if "Andel almene familieboliger mod 40 % og 38,4 %" in p)
    for t in targets:
        assert t["name"] in pages[1] and t["name"] in share_page
        assert str(t["first_year_met"]) in share_page
    assert "38,4 %: udviklingsplanens mål" in share_page
    assert "procentpoint" in pages[1] and "≤ 38,4 %" in share_page


def test_the_area_page_shows_both_targets_and_the_first_year_each_is_met(ref_client) -> None:
    import re

    shares = _trajectory(ref_client)
    page = ref_client.get("/kort/omraader/vollsmose")
    assert page.status_code == 200
    items = dict(re.findall(r'<li data-key="(law|plan)">(.*?)</li>', page.text, re.S))
    assert set(items) == {"law", "plan"}
    assert "40 %" in items["law"] and "38,4 %" in items["plan"]
    for key, target in (("law", 0.40), ("plan", 0.384)):
        first = _first_at_or_below(shares, target)
        assert (f"Første år nået: {first}." if first else "Ikke nået") in items[key]
    # The chart draws the plan's goal beside the law's limit.
    chart = page.text.split('id="trajectory-chart"')[1].split("</figure>")[0]
    assert "38,4" in chart
