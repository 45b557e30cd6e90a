"""The HTTP interface over the reference data: shapes, echoes, formats."""

from __future__ import annotations

import csv
import io

import pytest

from gis.models import TENURES


def test_areas_list_both_areas(ref_client):
    body = ref_client.get("/areas").json()
    slugs = {a["slug"] for a in body}
    assert {"vollsmose", "kertemindevejkvarteret"} <= slugs
    vollsmose = next(a for a in body if a["slug"] == "vollsmose")
    assert vollsmose["crs"] == "EPSG:25832"
    assert {q["slug"] for q in vollsmose["quarter_sets"]} >= {"afdelinger", "kvarterer"}
    assert "approx" in vollsmose["data_source"].lower()


def test_one_area(ref_client):
    body = ref_client.get("/areas/vollsmose").json()
    assert body["kind"] == "hard_ghetto"
    xmin, ymin, xmax, ymax = body["bbox"]
    # EPSG:25832 around Vollsmose (≈ 590–592 km E, 6,140–6,143 km N)
    assert 585_000 < xmin < xmax < 595_000
    assert 6_135_000 < ymin < ymax < 6_145_000


@pytest.mark.parametrize("year", [2020, 2025, 2030])
def test_tenure_mix_json_echoes_and_carries_the_legal_share(ref_client, year):
    response = ref_client.get(f"/areas/vollsmose/tenure-mix?year={year}&quarters=kvarterer")
    assert response.status_code == 200
    body = response.json()
    assert (body["area"], body["year"], body["quarter_set"]) == ("vollsmose", year, "kvarterer")
    assert body["law"]["max_legal_share"] == 0.4
    for part in [body["total"], *body["quarters"]]:
        assert set(TENURES) | {"total"} == set(part["dwellings"])
        assert part["legal_share"] is None or 0 <= part["legal_share"] <= 1
        assert part["compliant"] in (True, False, None)
    assert (
        sum(q["dwellings"]["total"] for q in body["quarters"])
        == body["total"]["dwellings"]["total"]
    )


def test_default_quarter_set_is_echoed(ref_client):
    body = ref_client.get("/areas/vollsmose/tenure-mix?year=2030").json()
    assert body["quarter_set"] in {"afdelinger", "kvarterer"}


def test_unknown_quarter_set_is_404(ref_client):
    response = ref_client.get("/areas/vollsmose/tenure-mix?year=2030&quarters=nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_tenure_mix_csv(ref_client):
    response = ref_client.get("/areas/vollsmose/tenure-mix?year=2030&quarters=afdelinger&f=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6 + 1
    total = rows[-1]
    assert total["quarter"] == "total" and total["compliant"] == "True"
    assert float(total["legal_share"]) <= 0.40


def test_trajectory(ref_client):
    body = ref_client.get("/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2030").json()
    assert (body["from"], body["to"]) == (2020, 2030)
    assert [y["year"] for y in body["years"]] == list(range(2020, 2031))
    first = body["first_compliant_year"]
    assert first is not None
    assert next(y for y in body["years"] if y["total"]["compliant"])["year"] == first
    one = ref_client.get(f"/areas/vollsmose/tenure-mix?year={first}").json()
    same_year = next(y for y in body["years"] if y["year"] == first)
    assert same_year["total"] == one["total"]


def test_trajectory_csv_has_every_year(ref_client):
    text = ref_client.get("/areas/vollsmose/tenure-mix/trajectory?from=2024&to=2026&f=csv").text
    years = {r["year"] for r in csv.DictReader(io.StringIO(text)) if r["quarter"] == "total"}
    assert years == {"2024", "2025", "2026"}


def test_openapi_and_docs(ref_client):
    spec = ref_client.get("/openapi.json").json()
    assert "/areas/{area}/tenure-mix" in spec["paths"]
    assert ref_client.get("/docs").status_code == 200


@pytest.mark.parametrize("quarters", ["kvarterer", "afdelinger"])
def test_every_year_of_a_trajectory_is_that_year_asked_alone(ref_client, quarters):
    # A trajectory's years share the figures of the states that last (gis.tenure), and the
    # JSON and CSV answers convert each shared object once: every year must still come out
    # as its own answer does, in both formats.
    path = "/areas/vollsmose/tenure-mix"
    span = {"from": 2018, "to": 2034, "quarters": quarters}
    body = ref_client.get(f"{path}/trajectory", params=span).json()
    table = list(
        csv.reader(
            io.StringIO(ref_client.get(f"{path}/trajectory", params={**span, "f": "csv"}).text)
        )
    )
    assert len(body["years"]) == 17
    alone_rows = [table[0]]
    for year in body["years"]:
        alone = ref_client.get(path, params={"year": year["year"], "quarters": quarters}).json()
        assert {k: year[k] for k in ("total", "quarters")} == {
            k: alone[k] for k in ("total", "quarters")
        }, year["year"]
        one = {"year": year["year"], "quarters": quarters, "f": "csv"}
        alone_rows += list(csv.reader(io.StringIO(ref_client.get(path, params=one).text)))[1:]
    assert table == alone_rows
