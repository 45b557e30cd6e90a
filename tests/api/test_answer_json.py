"""The tenure answers as the API writes them (`TenureMixOut.json_of`,
`TrajectoryOut.json_of`: each figure object written once) are byte for byte what their
response models' own dump writes, for every area and quarter set of the reference data and
for figures with nothing to share out, and they are what the routes send."""

from __future__ import annotations

import dataclasses
import json

import pytest

from api.schemas import TenureMixOut, TrajectoryOut
from gis import tenure
from gis.areas import get_area, get_quarter_set
from gis.models import TENURES
from gis.tenure import Mix, QuarterMix, TenureMix, Trajectory

SETS = [
    ("vollsmose", None),
    ("vollsmose", "kvarterer"),
    ("vollsmose", "afdelinger"),
    ("kertemindevejkvarteret", None),
]


def _dumped(model) -> bytes:
    return model.model_dump_json(by_alias=True).encode()


@pytest.mark.parametrize(("area", "quarters"), SETS)
def test_each_year_and_the_trajectory_are_the_models_bytes(ref_conn, area, quarters):
    for year in (2020, 2026, 2030, 2035):
        one = tenure.tenure_mix(ref_conn, area, year, quarters)
        assert TenureMixOut.json_of(one) == _dumped(TenureMixOut.of(one))
    tr = tenure.trajectory(ref_conn, area, 2020, 2035, quarters)
    assert TrajectoryOut.json_of(tr) == _dumped(TrajectoryOut.of(tr))


def test_figures_with_nothing_to_share_and_names_to_escape(ref_conn):
    """A quarter without a dwelling (no share, no legal share, compliance unknown), a state
    shared by years, no unassigned part, and a name that JSON must escape."""
    area = get_area(ref_conn, "vollsmose")
    qs = get_quarter_set(area, "kvarterer")
    empty = Mix({t: 0 for t in TENURES}, {t: 0.0 for t in TENURES}, 0.0, 0)
    some = Mix(
        {t: i for i, t in enumerate(TENURES)},
        {t: 10.05 * i for i, t in enumerate(TENURES)},
        123.45,
        7,
    )
    odd = QuarterMix.of(empty, "q-\u00e6", 'Kvarter "\u00c6\u00d8\u00c5" \\ \n ny')
    kept = QuarterMix.of(some, "q-2", "Uden navn")
    years = [
        TenureMix(area, 2030, qs, empty, [odd, kept], None),
        TenureMix(area, 2031, qs, some, [kept, odd], some),
    ]
    assert empty.legal_share is None and empty.compliant is None
    for one in years:
        assert TenureMixOut.json_of(one) == _dumped(TenureMixOut.of(one))
    tr = Trajectory(area, 2030, 2031, qs, years)
    assert TrajectoryOut.json_of(tr) == _dumped(TrajectoryOut.of(tr))
    body = json.loads(TrajectoryOut.json_of(tr))
    assert body["years"][0]["quarters"][0]["name"] == odd.name
    assert body["years"][0]["quarters"][0]["shares"] == {t: None for t in TENURES}
    no_set = dataclasses.replace(years[0], quarter_set=None, quarters=[])
    assert TenureMixOut.json_of(no_set) == _dumped(TenureMixOut.of(no_set))


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        (
            "/areas/vollsmose/tenure-mix?year=2030&quarters=kvarterer",
            lambda c: TenureMixOut.of(tenure.tenure_mix(c, "vollsmose", 2030, "kvarterer")),
        ),
        (
            "/areas/vollsmose/tenure-mix/trajectory?from=2020&to=2035&quarters=afdelinger",
            lambda c: TrajectoryOut.of(tenure.trajectory(c, "vollsmose", 2020, 2035, "afdelinger")),
        ),
    ],
)
def test_the_routes_send_the_written_answer_with_its_validator(ref_client, ref_conn, path, answer):
    response = ref_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == _dumped(answer(ref_conn))
    etag = response.headers["etag"]
    assert response.headers["cache-control"] == "no-cache"
    again = ref_client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
