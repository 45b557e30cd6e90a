"""A small hand-made plan with a known life, for the map tests: two quarters, 24 blocks of
which 8 are demolished (2022–2027), 12 renovated, 8 new buildings (2024–2028, two not
decided), a bygade, a sivegade opening in 2023, letbane line 2 (not decided, opening 2029)
with three stops, and facilities that close and open.

Coordinates are metres in EPSG:25832 around a point in Vollsmose.
"""

from __future__ import annotations

from pyproj import Transformer
from sqlalchemy import Connection, text

CENTRE = Transformer.from_crs(4326, 25832, always_xy=True).transform(10.432, 55.4085)
QUARTER_COLOURS = {"nord": "#1b9e77", "syd": "#7570b3"}
# Block id -> demolition year: 6 columns x 4 rows; every third block goes, column by column.
DEMOLISHED = {1 + i * 4 + j: 2022 + i for i in range(6) for j in range(4) if (i + j) % 3 == 0}
NEW_BUILDINGS = 8
NEW_UNDECIDED = (4, 8)  # built_decided false: the 4th and 8th new building


def _box(x0: float, y0: float, x1: float, y1: float) -> str:
    cx, cy = CENTRE
    x0, y0, x1, y1 = cx + x0, cy + y0, cx + x1, cy + y1
    return f"SRID=25832;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def _line(*points: tuple[float, float]) -> str:
    cx, cy = CENTRE
    return "SRID=25832;MULTILINESTRING((" + ",".join(f"{cx + x} {cy + y}" for x, y in points) + "))"


def _point(x: float, y: float) -> str:
    return f"SRID=25832;POINT({CENTRE[0] + x} {CENTRE[1] + y})"


def load(conn: Connection) -> None:
    run = conn.execute
    run(
        text(
            "INSERT INTO area (id, slug, name, kind, data_source, boundary) VALUES "
            "(1, 'testby', 'Testby', 'hard_ghetto', 'Test data, hand-made', :g)"
        ),
        {"g": _box(-900, -600, 900, 600)},
    )
    run(
        text(
            "INSERT INTO quarter_set (id, area_id, slug, name) VALUES "
            "(1, 1, 'afdelinger', 'Afdelinger'), (2, 1, 'kvarterer', 'Kvarterer')"
        )
    )
    quarters = [
        (1, 1, "vest", "Vestparken", "FAB", None, _box(-900, -600, 0, 600)),
        (2, 1, "oest", "Østparken", "Civica", None, _box(0, -600, 900, 600)),
        (3, 2, "nord", "Nordkvarteret", None, QUARTER_COLOURS["nord"], _box(-900, 0, 900, 600)),
        (4, 2, "syd", "Sydkvarteret", None, QUARTER_COLOURS["syd"], _box(-900, -600, 900, 0)),
    ]
    for q in quarters:
        run(
            text(
                "INSERT INTO quarter (id, quarter_set_id, slug, name, owner, color, geom) "
                "VALUES (:a, :b, :c, :d, :e, :f, :g)"
            ),
            dict(zip("abcdefg", q, strict=True)),
        )
    bid = 0
    for i in range(6):
        for j in range(4):
            bid += 1
            x, y = -800 + i * 270, -500 + j * 260
            demolished = DEMOLISHED.get(bid)
            ren = (2021 + j, 2023 + j) if demolished is None and i % 2 == 0 else (None, None)
            run(
                text(
                    "INSERT INTO building (id, source_id, name, department, use, storeys, "
                    "construction_year, owner, ejerforhold, renovation_start_year, "
                    "renovation_end_year, demolished_year, footprint) VALUES (:id, :s, :n, :d, "
                    "'housing', 4, 1970, :o, 20, :r0, :r1, :dem, :g)"
                ),
                dict(
                    id=bid,
                    s=f"blok-{bid}",
                    n=f"Blok {bid}",
                    d="Vestparken" if x < 0 else "Østparken",
                    o="FAB" if x < 0 else "Civica",
                    r0=ren[0],
                    r1=ren[1],
                    dem=demolished,
                    g=_box(x, y, x + 150, y + 40),
                ),
            )
            run(
                text(
                    "INSERT INTO dwelling_stock (building_id, tenure, dwellings, floor_area_m2) "
                    "VALUES (:b, 'almen_family', 40, 3000)"
                ),
                {"b": bid},
            )
    for k in range(NEW_BUILDINGS):
        bid += 1
        x = -780 + k * 200
        y = -110 if k % 2 else 70
        year = 2024 + k % 5
        run(
            text(
                "INSERT INTO building (id, source_id, name, use, storeys, owner, ejerforhold, "
                "built_year, built_decided, footprint) VALUES (:id, :s, :n, 'housing', 3, "
                "'Investor A/S', 30, :b, :bd, :g)"
            ),
            dict(
                id=bid,
                s=f"ny-{k + 1}",
                n=f"Nybyg {k + 1}",
                b=year,
                bd=(k + 1) not in NEW_UNDECIDED,
                g=_box(x, y, x + 60, y + 25),
            ),
        )
        run(
            text(
                "INSERT INTO dwelling_stock (building_id, tenure, dwellings, floor_area_m2, "
                "start_year) VALUES (:b, 'owner_occupied', 20, 2000, :y)"
            ),
            {"b": bid, "y": year},
        )
    run(
        text(
            "INSERT INTO road (kind, name, status, opening_year, geom) VALUES "
            "('bygade', 'Bygaden', 'existing', 2019, :g), "
            "('sivegade', 'Sivegade 1', 'existing', 2023, :h), "
            "('road', 'Ringvejen', 'existing', NULL, :i), ('path', 'Stien', 'existing', NULL, :j)"
        ),
        dict(
            g=_line((-950, 20), (950, 20)),
            h=_line((-300, -600), (-300, 600)),
            i=_line((950, -700), (950, 700)),
            j=_line((-600, -600), (-100, 300)),
        ),
    )
    run(
        text(
            "INSERT INTO rail_line (id, name, decided, opening_year, geom) "
            "VALUES (1, 'Letbane linje 2', false, 2029, :g)"
        ),
        {"g": _line((-1000, -700), (-200, -300), (300, 300), (800, 700))},
    )
    for name, (x, y) in {"Vest": (-600, -550), "Torvet": (50, 0), "Øst": (600, 500)}.items():
        run(
            text(
                "INSERT INTO rail_stop (line_id, name, decided, opening_year, geom) "
                "VALUES (1, :n, false, 2029, :g)"
            ),
            {"n": name, "g": _point(x, y)},
        )
    facilities = [
        ("Nordskolen", "school", None, None, (-400, 200)),
        ("Sydskolen", "school", None, 2023, (400, -200)),
        ("Børnehuset", "daycare", None, 2022, (200, 300)),
        ("Biblioteket", "library", None, None, (100, -100)),
        ("Ny daginstitution", "daycare", 2024, None, (-200, -400)),
    ]
    for name, kind, opened, closed, (x, y) in facilities:
        run(
            text(
                "INSERT INTO facility (name, kind, opening_year, closing_year, geom) "
                "VALUES (:n, :k, :o, :c, :g)"
            ),
            dict(n=name, k=kind, o=opened, c=closed, g=_point(x, y)),
        )
    run(
        text(
            "INSERT INTO parcel (ejerlavskode, matrikelnummer, owner, geom) VALUES "
            "(1, '1a', 'Civica', :g), (1, '2a', 'FAB', :h)"
        ),
        dict(g=_box(0, -600, 900, 600), h=_box(-900, -600, 0, 600)),
    )
