"""Each list rule on hand-made cases at its thresholds, the runs, the averages, the rule set
chosen by year and missing data: expectations follow from the legal rule as stated in
DOMAIN.md ("Area lists"), not from the evaluator."""

from __future__ import annotations

import operator

import pytest
from sqlalchemy import text

from tests.criteria.support import (
    CLEAN,
    GHETTO,
    NATIONAL,
    list_of,
    make_area,
    national,
    put,
    year_of,
)

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt}


def steady(conn, area_id: int, year: int, **values) -> None:
    """The same values in `year` and the year before, so 2-year averages equal them."""
    for y in (year - 1, year):
        put(conn, area_id, y, **{**CLEAN, **values})


# 2018–2020: udsat = ≥ 1,000 residents and ≥ 2 of the 4; each criterion probed at its
# threshold, with one other criterion (basic schooling 70 % > 60 %) met beside it.
UDSAT_2019 = [
    ("outside_work", ">", 40.0),
    ("convicted", ">=", 3 * NATIONAL),
    ("income", "<", 55.0),
]


@pytest.mark.parametrize("indicator,op,threshold", UDSAT_2019)
@pytest.mark.parametrize("offset", [-0.01, 0.0, 0.01])
def test_udsat_2019_at_each_threshold(conn, indicator, op, threshold, offset) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    value = threshold + offset
    steady(conn, area, 2019, basic_school=70.0, **{indicator: value})
    y = year_of(conn, 2019)
    criterion = next(c for c in list_of(y, "udsat")["criteria"] if c["indicator"] == indicator)
    expected = OPS[op](value, threshold)
    assert criterion["met"] is expected
    assert criterion["threshold"] == pytest.approx(threshold)
    assert list_of(y, "udsat")["met"] is expected
    assert y["status_key"] == ("udsat" if expected else "none")


@pytest.mark.parametrize("basic", [59.99, 60.0, 60.01])
def test_basic_schooling_2019_is_strictly_over_60(conn, basic) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, outside_work=45.0, basic_school=basic)
    assert (year_of(conn, 2019)["status_key"] == "udsat") is (basic > 60.0)


@pytest.mark.parametrize("residents", [999, 1000, 1001])
def test_at_least_1000_residents(conn, residents) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, residents=residents, outside_work=45.0, basic_school=70.0)
    assert (year_of(conn, 2019)["status_key"] == "udsat") is (residents >= 1000)


@pytest.mark.parametrize("non_western", [49.99, 50.0, 50.01])
def test_ghetto_is_udsat_and_non_western_over_50(conn, non_western) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, outside_work=45.0, basic_school=70.0, non_western=non_western)
    y = year_of(conn, 2019)
    assert list_of(y, "udsat")["met"] is True
    assert y["status_key"] == ("ghetto" if non_western > 50.0 else "udsat")


def test_one_criterion_alone_is_no_list(conn) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, outside_work=90.0, non_western=90.0)
    y = year_of(conn, 2019)
    assert list_of(y, "udsat")["met"] is False and y["status_key"] == "none"


# 2021–: parallelsamfund like ghetto; forebyggelsesområde: non-western > 30 and 2 of
# > 30 %, ≥ 2 × national, > 60 %, < 65 %.
FOREBYGGELSE = [
    ("outside_work", ">", 30.0),
    ("convicted", ">=", 2 * NATIONAL),
    ("income", "<", 65.0),
]


@pytest.mark.parametrize("indicator,op,threshold", FOREBYGGELSE)
@pytest.mark.parametrize("offset", [-0.01, 0.0, 0.01])
def test_forebyggelse_2022_at_each_threshold(conn, indicator, op, threshold, offset) -> None:
    area = make_area(conn)
    national(conn, range(2021, 2023))
    value = threshold + offset
    steady(conn, area, 2022, basic_school=70.0, non_western=40.0, **{indicator: value})
    y = year_of(conn, 2022)
    expected = OPS[op](value, threshold)
    assert list_of(y, "forebyggelsesomraade")["met"] is expected
    # None of these values reaches the udsat thresholds, so forebyggelse is the status.
    assert y["status_key"] == ("forebyggelsesomraade" if expected else "none")


@pytest.mark.parametrize("non_western", [29.99, 30.0, 30.01])
def test_forebyggelse_needs_non_western_over_30(conn, non_western) -> None:
    area = make_area(conn)
    national(conn, range(2021, 2023))
    steady(conn, area, 2022, outside_work=35.0, basic_school=70.0, non_western=non_western)
    got = list_of(year_of(conn, 2022), "forebyggelsesomraade")["met"]
    assert got is (non_western > 30.0)


@pytest.mark.parametrize("non_western", [50.0, 50.01])
def test_parallelsamfund_2022(conn, non_western) -> None:
    area = make_area(conn)
    national(conn, range(2021, 2023))
    steady(conn, area, 2022, outside_work=45.0, income=50.0, non_western=non_western)
    y = year_of(conn, 2022)
    assert y["rule_set"]["key"] == "parallel_2021"
    assert y["status_key"] == ("parallelsamfund" if non_western > 50.0 else "udsat")
    # The more severe list wins over the forebyggelsesområde the area also meets.
    assert list_of(y, "forebyggelsesomraade")["met"] is True


# 2010–2017: ghetto = ≥ 1,000 residents and 2 of 3: non-western > 50 %, outside > 40 %,
# more than 270 convicted per 10,000 residents 18+ (2.70 %).
@pytest.mark.parametrize("convicted", [2.69, 2.70, 2.71])
def test_ghetto_2012_convictions_over_270_per_10000(conn, convicted) -> None:
    area = make_area(conn)
    put(conn, area, 2012, **{**CLEAN, "non_western": 67.5, "convicted": convicted})
    y = year_of(conn, 2012)
    assert y["rule_set"]["key"] == "ghetto_2010"
    assert y["status_key"] == ("ghetto" if convicted > 2.70 else "none")


def test_the_rule_set_is_chosen_by_year(conn) -> None:
    """The same values: a ghetto in 2017 (2 of 3), no list in 2019 (1 of 4 socio-economic),
    a forebyggelsesområde in 2021 (non-western > 30, outside > 30, income < 65)."""
    area = make_area(conn)
    national(conn, range(2016, 2023))
    values = {**CLEAN, "outside_work": 45.0, "income": 60.0, "non_western": 55.0}
    for year in range(2016, 2023):
        put(conn, area, year, **values)
    got = {y: year_of(conn, y) for y in (2017, 2019, 2021)}
    assert [got[y]["rule_set"]["key"] for y in got] == [
        "ghetto_2010",
        "udsat_2018",
        "parallel_2021",
    ]
    assert [got[y]["status_key"] for y in got] == ["ghetto", "none", "forebyggelsesomraade"]
    assert year_of(conn, 2009)["status_key"] == "no_rules"


# -- runs ----------------------------------------------------------------------------------


def ghetto_years(conn, area: int, years: range, breaks: tuple[int, ...] = ()) -> None:
    for y in years:
        put(conn, area, y, **(CLEAN if y in breaks else GHETTO))


def test_hard_ghetto_is_ghetto_4_years_running(conn) -> None:
    area = make_area(conn)
    national(conn, range(2014, 2021))
    ghetto_years(conn, area, range(2016, 2021))
    got = {y: year_of(conn, y)["status_key"] for y in range(2016, 2021)}
    # 2016: nothing known for 2015 and before, so the run cannot be decided yet.
    assert got[2016] == "ghetto"
    assert got[2018] == "ghetto" and list_of(year_of(conn, 2018), "haard_ghetto")["met"] is None
    assert got[2019] == "haard_ghetto" and got[2020] == "haard_ghetto"
    assert list_of(year_of(conn, 2019), "haard_ghetto")["run"]["years"] == 4


def test_a_break_in_the_run_resets_it(conn) -> None:
    area = make_area(conn)
    national(conn, range(2014, 2024))
    ghetto_years(conn, area, range(2014, 2024), breaks=(2017,))
    got = {y: year_of(conn, y) for y in range(2018, 2024)}
    assert got[2018]["status_key"] == "ghetto"  # the clean 2017 is averaged in, still > 40
    assert list_of(got[2019], "haard_ghetto")["met"] is False
    assert list_of(got[2020], "haard_ghetto")["run"]["years"] == 3
    assert list_of(got[2020], "haard_ghetto")["approaching"] is True
    # 2021–: omdannelsesområde needs 5 years of ghetto/parallelsamfund (2018–2022).
    assert got[2021]["status_key"] == "parallelsamfund"
    assert got[2022]["status_key"] == "omdannelsesomraade"
    assert list_of(got[2022], "omdannelsesomraade")["run"]["years"] == 5


def test_omdannelse_counts_ghetto_years_before_2021(conn) -> None:
    area = make_area(conn)
    national(conn, range(2016, 2022))
    ghetto_years(conn, area, range(2016, 2022))
    y = year_of(conn, 2021)
    assert y["status_key"] == "omdannelsesomraade"
    ghetto_4 = year_of(conn, 2020)
    assert ghetto_4["status_key"] == "haard_ghetto"


def test_omdannelse_is_not_met_after_4_years(conn) -> None:
    area = make_area(conn)
    national(conn, range(2016, 2023))
    ghetto_years(conn, area, range(2016, 2023), breaks=(2016, 2017))
    run = list_of(year_of(conn, 2021), "omdannelsesomraade")
    # Ghetto/parallelsamfund 2018–2021: 4 years, one short of 5.
    assert run["met"] is False and run["run"]["years"] == 4
    assert year_of(conn, 2021)["status_key"] == "parallelsamfund"
    assert year_of(conn, 2022)["status_key"] == "omdannelsesomraade"


# -- 2-year averages, published values, missing data, approaching ----------------------------


@pytest.mark.parametrize("first,second", [(38.0, 43.0), (36.0, 43.0), (40.0, 40.0)])
def test_employment_is_a_2_year_average(conn, first, second) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    put(conn, area, 2018, **{**CLEAN, "outside_work": first, "basic_school": 70.0})
    put(conn, area, 2019, **{**CLEAN, "outside_work": second, "basic_school": 70.0})
    c = next(
        c
        for c in list_of(year_of(conn, 2019), "udsat")["criteria"]
        if c["indicator"] == "outside_work"
    )
    mean = (first + second) / 2
    assert c["value"] == pytest.approx(mean) and c["basis"] == "gennemsnit 2018–2019"
    assert c["met"] is (mean > 40.0)


def test_convictions_average_against_that_years_national_value(conn) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2019), value=0.9)
    national(conn, range(2019, 2020), value=0.6)
    put(conn, area, 2018, **{**CLEAN, "convicted": 1.5})
    put(conn, area, 2019, **{**CLEAN, "convicted": 2.1})
    c = next(
        c
        for c in list_of(year_of(conn, 2019), "udsat")["criteria"]
        if c["indicator"] == "convicted"
    )
    assert c["value"] == pytest.approx(1.8) and c["threshold"] == pytest.approx(1.8)
    assert c["met"] is True  # ≥


def test_missing_previous_year_leaves_averaged_criteria_undetermined(conn) -> None:
    area = make_area(conn)
    national(conn, range(2019, 2020))
    put(conn, area, 2019, **{**CLEAN, "outside_work": 45.0, "convicted": 2.0, "basic_school": 70.0})
    y = year_of(conn, 2019)
    by = {c["indicator"]: c for c in list_of(y, "udsat")["criteria"]}
    assert by["outside_work"]["met"] is None and by["outside_work"]["value"] is None
    assert by["convicted"]["met"] is None
    assert by["basic_school"]["met"] is True
    # 1 met, 2 unknown, 2 needed: the list cannot be decided, and nothing is invented.
    assert list_of(y, "udsat")["met"] is None
    assert y["status_key"] == "unknown" and y["certain"] is False
    assert any("2018" in m for m in y["missing"])


def test_published_list_values_are_used_as_they_are(conn) -> None:
    area = make_area(conn)
    national(conn, range(2019, 2020))
    put(conn, area, 2019, published=True, **{**CLEAN, "outside_work": 45.0, "basic_school": 70.0})
    y = year_of(conn, 2019)
    by = {c["indicator"]: c for c in list_of(y, "udsat")["criteria"]}
    assert by["outside_work"]["value"] == 45.0 and by["outside_work"]["met"] is True
    assert y["status_key"] == "udsat"


def test_missing_national_value_leaves_convictions_undetermined(conn) -> None:
    area = make_area(conn)
    steady(conn, area, 2019, convicted=5.0, basic_school=70.0)
    y = year_of(conn, 2019)
    c = next(c for c in list_of(y, "udsat")["criteria"] if c["indicator"] == "convicted")
    assert c["met"] is None and c["threshold"] is None and "landsværdi" in c["missing"]
    assert y["status_key"] == "unknown"


def test_no_values_at_all_is_said_not_guessed(conn) -> None:
    make_area(conn)
    y = year_of(conn, 2024)
    assert y["values"] is None and y["status_key"] == "no_data" and y["status"] == "ingen data"
    assert "Ingen indikatorværdier for 2024" in y["reason"]


@pytest.mark.parametrize("outside_work,approaching", [(36.0, True), (35.9, False)])
def test_approaching_within_10_percent_of_a_threshold(conn, outside_work, approaching) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, outside_work=outside_work, basic_school=70.0)
    y = year_of(conn, 2019)
    assert y["status_key"] == "none"
    assert list_of(y, "udsat")["approaching"] is approaching
    assert ("udsat" in [a["key"] for a in y["approaching"]]) is approaching


def test_bad_span_and_unknown_area(conn) -> None:
    from gis.criteria import evaluate
    from gis.errors import InvalidParameter, NotFound

    make_area(conn)
    with pytest.raises(InvalidParameter):
        evaluate(conn, "testomraade", 2025, 2020)
    with pytest.raises(NotFound):
        evaluate(conn, "findes-ikke", 2020, 2025)


def test_the_rules_are_rows_a_changed_threshold_changes_the_answer(conn) -> None:
    area = make_area(conn)
    national(conn, range(2018, 2020))
    steady(conn, area, 2019, outside_work=45.0, basic_school=70.0)
    assert year_of(conn, 2019)["status_key"] == "udsat"
    conn.execute(
        text(
            "UPDATE criteria_threshold t SET value = 50 FROM criteria_list l, criteria_rule_set s"
            " WHERE t.list_id = l.id AND l.rule_set_id = s.id AND s.key = 'udsat_2018'"
            " AND t.indicator = 'outside_work'"
        )
    )
    y = year_of(conn, 2019)
    assert y["status_key"] == "none"
    c = next(c for c in list_of(y, "udsat")["criteria"] if c["indicator"] == "outside_work")
    assert c["threshold"] == 50.0 and c["met"] is False
