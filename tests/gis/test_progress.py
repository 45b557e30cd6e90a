"""Progress against the plan on small hand-made cases in the empty database.

An event dated year E counts from the state of 1 January E+1, for map events, yearly
targets and recorded actuals alike; the expectations below are computed from that rule.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, insert, text

from gis.errors import InvalidParameter, NotFound
from gis.models.monitoring import PlanActual, PlanItem, PlanTarget
from gis.monitoring.disclosure import shown_total
from gis.monitoring.progress import progress
from tests.gis.test_tenure import AREA, X0, Y0, _box, _insert, add_area, add_stock


def add_block(
    conn: Connection,
    x: float,
    dwellings: int,
    *,
    department: str = "Testparken",
    demolished: int | None = None,
    renovated: tuple[int, int] | None = None,
    built: int | None = None,
    tenure: str = "almen_family",
    y: float = 10,
) -> int:
    b = _insert(
        conn,
        "INSERT INTO building (use, department, built_year, demolished_year,"
        " renovation_start_year, renovation_end_year, footprint)"
        " VALUES ('housing', :dep, :built, :demolished, :rs, :re, ST_GeomFromText(:wkt, 25832))",
        dep=department,
        built=built,
        demolished=demolished,
        rs=renovated[0] if renovated else None,
        re=renovated[1] if renovated else None,
        wkt=_box(x, y, x + 10, y + 10),
    )
    add_stock(conn, b, tenure, dwellings)
    return b


def add_item(
    conn: Connection,
    area_id: int,
    key: str,
    *,
    targets: dict[int, float],
    actuals: dict[int, float] | None = None,
    kind: str = "demolition",
    derive: str | None = "demolished_dwellings",
    match: str | None = None,
    department: str | None = "Testparken",
    decided: bool = True,
    unit: str = "dwellings",
) -> None:
    item_id = conn.execute(
        insert(PlanItem)
        .values(
            area_id=area_id,
            key=key,
            kind=kind,
            title=key,
            department=department,
            start_year=min(targets),
            end_year=max(targets),
            planned_quantity=sum(targets.values()),
            unit=unit,
            decided=decided,
            derive=derive,
            derive_match=match,
        )
        .returning(PlanItem.id)
    ).scalar_one()
    conn.execute(
        insert(PlanTarget),
        [{"item_id": item_id, "year": y, "quantity": q} for y, q in targets.items()],
    )
    for y, q in (actuals or {}).items():
        conn.execute(insert(PlanActual).values(item_id=item_id, year=y, quantity=q))


def to_date(by_year: dict[int, float], year: int) -> float:
    """The state rule, independently: what is dated before `year` has happened by 1 January."""
    return sum(q for y, q in by_year.items() if y < year)


def test_demolitions_count_from_the_year_after_at_the_exact_boundaries(conn: Connection) -> None:
    area = add_area(conn)
    demolished = {2023: 30, 2024: 20}
    for i, (year, n) in enumerate(demolished.items()):
        add_block(conn, 20 * i + 10, n, demolished=year)
    add_block(conn, 200, 99)  # kept: never counts
    add_block(conn, 300, 40, demolished=2023, department="Andenparken")
    add_block(conn, 2000, 50, demolished=2023)  # outside the area
    targets = {2023: 25.0, 2024: 25.0}
    add_item(conn, area, "nedrivning", targets=targets)

    expected_status = {2023: "not_due", 2024: "ahead", 2025: "on_plan"}
    for year, status in expected_status.items():
        item = progress(conn, AREA, year).item("nedrivning")
        assert item.done_to_date == to_date(demolished, year)
        assert item.planned_to_date == to_date(targets, year)
        assert item.done_from == "map"
        assert item.status == status
        assert item.conflict is None


def test_a_recorded_figure_that_contradicts_the_map_is_a_conflict(conn: Connection) -> None:
    area = add_area(conn)
    add_block(conn, 10, 30, demolished=2023)
    add_block(conn, 30, 20, demolished=2024)
    add_item(conn, area, "nedrivning", targets={2023: 50.0}, actuals={2023: 30.0, 2024: 15.0})

    # 2024: the map has 30 gone (the 2023 block), the partner reported 30: they agree.
    assert progress(conn, AREA, 2024).conflicts == []
    # 2025: the map has 50 gone, the records 45: said, with both numbers; the map's counts.
    p = progress(conn, AREA, 2025)
    [conflict] = p.conflicts
    assert (conflict.key, conflict.derived, conflict.recorded) == ("nedrivning", 50, 45)
    assert p.item("nedrivning").done_to_date == 50
    assert p.item("nedrivning").status == "on_plan"


def test_rehousing_is_recorded_and_cumulative(conn: Connection) -> None:
    area = add_area(conn)
    targets = {y: 97.0 for y in range(2021, 2029)}
    actuals = {2021: 90.0, 2022: 101.0, 2023: 95.0}
    add_item(
        conn,
        area,
        "genhusning",
        targets=targets,
        actuals=actuals,
        kind="rehousing",
        derive=None,
        department=None,
        unit="households",
    )
    for year in (2021, 2022, 2023, 2024, 2030):
        item = progress(conn, AREA, year).item("genhusning")
        # Households: running totals are given rounded to 5 (gis.monitoring.disclosure).
        done = shown_total(to_date(actuals, year), "households")
        assert item.planned_to_date == to_date(targets, year)
        assert item.difference == done - to_date(targets, year)
        if year == 2021:
            assert (item.done_to_date, item.done_from, item.status) == (None, None, "not_due")
        else:
            assert item.done_to_date == done
            assert item.done_from == "recorded"
            assert item.status == ("behind" if item.difference < 0 else "ahead")
    assert progress(conn, AREA, 2023).item("genhusning").status == "behind"  # 187 of 194
    assert progress(conn, AREA, 2024).item("genhusning").status == "behind"  # 286 of 291


def test_an_item_not_decided_keeps_its_flag_and_falls_behind_when_due(conn: Connection) -> None:
    area = add_area(conn)
    add_item(
        conn,
        area,
        "letbane-beslutning",
        targets={2026: 1.0},
        kind="letbane_decision",
        derive=None,
        department=None,
        decided=False,
        unit="items",
    )
    before, after = (progress(conn, AREA, y).item("letbane-beslutning") for y in (2026, 2027))
    assert before.decided is False and before.status == "not_due"
    assert after.decided is False and after.status == "behind"
    assert after.planned_to_date == 1 and after.done_to_date is None


def test_renovations_new_private_dwellings_roads_and_facilities_from_the_map(
    conn: Connection,
) -> None:
    area = add_area(conn)
    add_block(conn, 10, 60, renovated=(2022, 2024))
    add_block(conn, 30, 40, renovated=(2023, 2025))
    add_block(conn, 50, 35, built=2023, tenure="private_rental", department=None)
    add_block(conn, 70, 15, built=2023, tenure="almen_family", department=None)  # not private
    add_block(conn, 90, 25, tenure="owner_occupied", department=None)  # stood before the plan
    conn.execute(
        text(
            "INSERT INTO road (kind, name, status, opening_year, geom) VALUES"
            " ('sivegade', 'a', 'existing', 2022, ST_GeomFromText(:w1, 25832)),"
            " ('sivegade', 'b', 'planned', 2027, ST_GeomFromText(:w2, 25832)),"
            " ('bygade', 'c', 'existing', 2020, ST_GeomFromText(:w1, 25832))"
        ),
        {
            "w1": f"MULTILINESTRING(({X0 + 5} {Y0 + 5},{X0 + 500} {Y0 + 5}))",
            "w2": f"MULTILINESTRING(({X0 + 5} {Y0 + 50},{X0 + 500} {Y0 + 50}))",
        },
    )
    conn.execute(
        text(
            "INSERT INTO facility (name, kind, opening_year, closing_year, geom) VALUES"
            " ('x', 'daycare', NULL, 2022, ST_GeomFromText(:p, 25832)),"
            " ('y', 'daycare', 2024, NULL, ST_GeomFromText(:p, 25832))"
        ),
        {"p": f"POINT({X0 + 100} {Y0 + 100})"},
    )
    add_item(
        conn, area, "renovering", targets={2024: 60.0, 2025: 40.0}, derive="renovated_dwellings"
    )
    add_item(
        conn, area, "nye", targets={2023: 35.0}, derive="new_private_dwellings", department=None
    )
    add_item(
        conn, area, "sivegader", targets={2022: 1.0, 2023: 1.0}, derive="roads_opened",
        match="sivegade", department=None, kind="sivegade", unit="items",
    )  # fmt: skip
    add_item(
        conn, area, "lukket", targets={2022: 1.0}, derive="facilities_closed", match="daycare",
        department=None, kind="institution", unit="items",
    )  # fmt: skip
    add_item(
        conn, area, "aabnet", targets={2024: 1.0}, derive="facilities_opened", match="daycare",
        department=None, kind="institution", unit="items",
    )  # fmt: skip

    def done(year: int) -> dict[str, float | None]:
        return {i.key: i.done_to_date for i in progress(conn, AREA, year).items}

    assert done(2024) == {"nye": 35, "lukket": 1, "renovering": 0, "sivegader": 1, "aabnet": 0}
    assert done(2025) == {"nye": 35, "lukket": 1, "renovering": 60, "sivegader": 1, "aabnet": 1}
    assert done(2026)["renovering"] == 100
    assert done(2028)["sivegader"] == 2
    p = progress(conn, AREA, 2024)
    assert p.item("sivegader").status == "behind" and p.item("nye").status == "on_plan"


def test_unknown_area_and_year_out_of_range(conn: Connection) -> None:
    add_area(conn)
    with pytest.raises(NotFound):
        progress(conn, "nowhere", 2025)
    with pytest.raises(InvalidParameter):
        progress(conn, AREA, 1800)


def test_a_derive_rule_without_its_argument_is_refused(conn: Connection) -> None:
    from sqlalchemy.exc import IntegrityError

    area = add_area(conn)
    with pytest.raises(IntegrityError, match="plan_item_derive_match"), conn.begin_nested():
        add_item(conn, area, "veje", targets={2022: 1.0}, derive="roads_opened", unit="items")
    with pytest.raises(IntegrityError, match="plan_item_derive_department"), conn.begin_nested():
        add_item(conn, area, "nedrivning", targets={2022: 1.0}, department=None)


def add_plot(
    conn: Connection, x: float, sales: list[tuple[str, str]], *, right=None, ratio=None
) -> int:
    """A plot with its status history [(timestamp, to_status), ...]; 100 m² of parcel."""
    parcel = _insert(
        conn,
        "INSERT INTO parcel (ejerlavskode, matrikelnummer, geom)"
        " VALUES (1, :m, ST_GeomFromText(:wkt, 25832))",
        m=f"p{x}",
        wkt=_box(x, 10, x + 10, 20),
    )
    conn.execute(
        text(
            "INSERT INTO parcel_land (parcel_id, owner_category, sale_status, building_right_m2,"
            " plot_ratio) VALUES (:p, 'company', :s, :r, :q)"
        ),
        {"p": parcel, "s": sales[-1][1] if sales else "planned", "r": right, "q": ratio},
    )
    previous = None
    for at, status in sales:
        conn.execute(
            text(
                "INSERT INTO sale_status_change (parcel_id, changed_at, actor, from_status,"
                " to_status) VALUES (:p, :at, 'test', :f, :t)"
            ),
            {"p": parcel, "at": at, "f": previous, "t": status},
        )
        previous = status
    return parcel


def test_land_sales_count_from_the_status_history_from_the_year_after(conn: Connection) -> None:
    area = add_area(conn)
    # The year is Denmark's: 22:30 UTC on 31 December is still 2023 there, 23:30 is 2024.
    add_plot(conn, 10, [("2023-03-01", "on_offer"), ("2023-12-31 22:30+00", "sold")], right=4000)
    add_plot(conn, 90, [("2023-12-31 23:30+00", "sold")], right=20)
    # Building right from the plot ratio: 1.5 × 100 m².
    add_plot(conn, 30, [("2024-01-01 00:30+00", "sold")], ratio=1.5)
    # Sold in 2023, the sale undone in 2024: counts in 2024 only.
    add_plot(conn, 50, [("2023-06-01", "sold"), ("2024-05-01", "on_offer")], right=700)
    add_plot(conn, 70, [("2023-06-01", "under_option")], right=9000)  # never sold
    add_plot(conn, 2000, [("2022-06-01", "sold")], right=5000)  # outside the area
    add_item(
        conn,
        area,
        "salg",
        kind="land_sale",
        unit="m2",
        derive="land_sold",
        department=None,
        targets={2023: 3000.0, 2024: 3000.0},
    )
    expected = {2023: 0.0, 2024: 4000.0 + 700.0, 2025: 4000.0 + 150.0 + 20.0}
    for year, done in expected.items():
        item = progress(conn, AREA, year).item("salg")
        assert item.done_from == "map"
        assert item.done_to_date == pytest.approx(done), year
