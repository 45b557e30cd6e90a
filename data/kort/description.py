"""The hand-written description of the Vollsmose reference dataset.

Numbers come from the plan (seed 001, via /work/shared/DOMAIN.md) where it gives them and
are chosen here where it does not; README.md beside this file says which is which.

The layout is approximate and illustrative, NOT surveyed. It is drawn on a local grid in
metres (x east, y north) whose origin is the south-west corner of the hard-ghetto area. The
grid is placed in EPSG:25832 by one point: the centre of Vollsmose Torv, whose WGS84
position (55.4068 N, 10.4413 E, Vollsmose Allé 10) is projected with pyproj.

Each housing department is a cell of 560 m × 640 m (south row) or 560 m × 620 m (north
row). Inside a cell, buildings stand on a grid of slots: 11 rows (k = 0 at the south, one
row every 55 m, 14 m deep) and 4 columns (90 m long) with a wider middle lane between the
second and third column for the department's access road. SITE_PLANS draws every cell as
11 strings of 4 characters, the northernmost row first, a space marking the middle lane:

    E   a kept slab block (almene family dwellings, renovated)
    H   a kept high-rise slab (counts twice as many dwellings as an E)
    D   a slab block demolished by the plan (one per year of the department's schedule)
    N   a field for new private housing (a parcel; a building if one is needed by 2029)
    .   open land (green areas, parking)
    any other character: a building of SPECIALS (institutions, business, other dwellings);
        the slots holding it reserve its place.
"""

from __future__ import annotations

# Vollsmose Torv (shopping centre, Vollsmose Allé 10): WGS84 lon/lat (DOMAIN.md, public
# source) and where its centre lies on the local grid. This fixes the whole layout.
TORV_WGS84 = (10.4413, 55.4068)
TORV_LOCAL = (1433.0, 587.0)

# The approximate extent of Vollsmose (DOMAIN.md): lon 10.418-10.446 E, lat 55.401-55.416 N.
# Roads and the letbane are clipped to it, so every feature lies inside it.
EXTENT_WGS84 = (10.418, 55.401, 10.446, 55.416)

CELL_WIDTH = 560
SOUTH_ROW_TOP = 640  # the bygade runs here, between the southern and northern departments
HARD_AREA = (0, 0, 3 * CELL_WIDTH, 1260)
UDSAT_AREA = (0, 1260, 3 * CELL_WIDTH, 1540)

# Slots inside a department cell (offsets from the cell's south-west corner).
SLOT_COLUMNS = (20, 150, 320, 450)  # west edges; every column is SLOT_LENGTH long
SLOT_LENGTH = 90
SLOT_DEPTH = 14
ROW_FIRST = 25
ROW_STEP = 55
ROWS = 11
NEW_BUILDING = (80, 14)  # footprint of a new private building, centred in its slot
PARCEL_MARGIN = 6  # a building's own parcel reaches this far beyond its slot(s)
ROAD_PARCEL_HALF_WIDTH = 8

DATA_SOURCE = (
    "Reference dataset of Fremtidens Vollsmose: dwelling numbers, demolition schedule and "
    "targets from the Realiseringsplan (Odense Kommune 2020) and public sources; geometry is "
    "an approximate, illustrative layout, not surveyed data."
)

AREAS = [
    {
        "slug": "vollsmose",
        "name": "Vollsmose",
        "kind": "hard_ghetto",
        "rect": HARD_AREA,
        "description": "The hard ghetto area (omdannelsesområde) Vollsmose, ~7,750 residents "
        "(2019), between Kertemindevejkvarteret (north), Ejbygade (west), Åsumvej (south) and "
        "Vollsmose Allé (east): six almene housing departments of FAB and Civica, Vollsmose "
        "Torv, schools and institutions.",
    },
    {
        "slug": "kertemindevejkvarteret",
        "name": "Kertemindevejkvarteret",
        "kind": "udsat",
        "rect": UDSAT_AREA,
        "description": "The udsat boligområde along Kertemindevej, ~1,380 residents: the "
        "row-house departments Tjørnehaven (FAB), Hybenhaven and Slåenhaven (Civica).",
    },
]

# The six departments of the hard area. dwellings: almene family dwellings 2020 (seed 001;
# Lærke-, Ege- and Bøgeparken share 1,343 by a public source, the split is chosen).
# demolition: (dwellings, first year, last year), seed 001. renovation: the phases in which
# the kept blocks are renovated (chosen, within 2019-2030); blocks take the phases in turn.
DEPARTMENTS = [
    {
        "name": "Granparken",
        "owner": "Civica",
        "dwellings": 504,
        "origin": (0, 0),
        "demolition": (160, 2024, 2027),
        "renovation": [(2023, 2025), (2026, 2028)],
        "built": 1968,
        "color": "#8dd3c7",
    },
    {
        "name": "Lærkeparken",
        "owner": "Civica",
        "dwellings": 420,
        "origin": (560, 0),
        "demolition": (136, 2025, 2028),
        "renovation": [(2024, 2026), (2027, 2029)],
        "built": 1970,
        "color": "#ffffb3",
    },
    {
        "name": "Egeparken",
        "owner": "Civica",
        "dwellings": 455,
        "origin": (1120, 0),
        "demolition": (191, 2026, 2029),
        "renovation": [(2025, 2027), (2028, 2030)],
        "built": 1971,
        "color": "#bebada",
    },
    {
        "name": "Fyrreparken",
        "owner": "FAB",
        "dwellings": 504,
        "origin": (0, 640),
        "demolition": (26, 2020, 2020),
        "renovation": [(2020, 2022), (2022, 2024)],
        "built": 1967,
        "color": "#fb8072",
    },
    {
        "name": "Birkeparken",
        "owner": "FAB",
        "dwellings": 449,
        "origin": (560, 640),
        "demolition": (200, 2022, 2025),
        "renovation": [(2021, 2023), (2023, 2025)],
        "built": 1969,
        "color": "#80b1d3",
    },
    {
        "name": "Bøgeparken",
        "owner": "Civica",
        "dwellings": 468,
        "origin": (1120, 640),
        "demolition": (287, 2021, 2026),
        "renovation": [(2022, 2024), (2025, 2027)],
        "built": 1972,
        "color": "#fdb462",
    },
]
# Renovations starting after this year are not yet decided (chosen).
RENOVATION_DECIDED_UNTIL = 2025

# The site plans (see the module docstring). Lines the plan draws through the cells (the
# letbane, planned sivegader, paths, access roads) run in the gaps between rows and in the
# middle lane, so no building spans them.
SITE_PLANS = {
    "Granparken": [
        "NN NN",  # k=10, by the bygade
        "A. N.",
        "A. NN",
        "EE EE",
        "DD DD",
        "a. EE",  # k=5
        "a. ..",
        "NN NN",
        ".. ..",
        "NN NN",
        ".. ..",  # k=0, by Åsumvej
    ],
    "Lærkeparken": [
        "NN NN",
        "r. k.",
        "r. kN",
        "EE pp",
        "DD DD",
        "lE Ep",
        "l. E.",
        "NN hh",
        ".. hh",
        "NN hh",
        ".. hh",
    ],
    "Egeparken": [
        "NT TB",
        "MN u.",
        "M. EE",
        "EE .V",
        "DD DV",
        "e. HL",
        "e. DL",
        "NN NN",
        ".. ..",
        "NN NN",
        ".. ..",
    ],
    "Fyrreparken": [
        "NN ss",
        "v. ss",
        "v. ss",
        "EE ss",
        "EE EE",
        "DE E.",
        "f. ..",
        "f. cc",
        "NN NN",
        ".. ..",
        "NN NN",
    ],
    "Birkeparken": [
        "EE NN",
        "qq NN",
        "q. PN",
        "yy P.",
        "EE ..",
        "DD Em",
        "DD .m",
        ".. NN",
        "NN NN",
        "i. ..",
        "i. NN",
    ],
    "Bøgeparken": [
        "gg FF",
        "gg FF",
        "gg FF",
        "gg FF",
        "NN NN",
        "HD DD",
        "DD DE",
        "bn CC",
        "RR WW",
        "NN NN",
        "NN NN",
    ],
}

# Other buildings, keyed by their character in SITE_PLANS. Kinds:
#   housing   one building per slot: dwellings of `tenure` (not almene family dwellings)
#   building  one building over all its slots: an institution or business
# size: footprint (width, depth) centred in the slots' extent; rect: an explicit footprint
# (local grid). facilities: (kind, name, owner, opening, closing, decided) at the building.
# Names of day-care institutions, the church and the youth school are illustrative.
MUNICIPALITY = "Odense Kommune"
DEVELOPER = "Arealudviklingsselskabet Vollsmose (illustrative)"
SPECIALS = {
    # -- other dwellings standing in 2020 (chosen so that the 2020 legal share is ~76 %) --
    "q": {
        "kind": "housing",
        "name": "Birkeparken, ældreboliger",
        "tenure": "almen_elderly",
        "dwellings": 180,
        "owner": "FAB",
        "ejerforhold": 20,
        "built": 1985,
    },
    "u": {
        "kind": "housing",
        "name": "Ungdomsboliger ved Vollsmose Torv",
        "tenure": "almen_youth",
        "dwellings": 72,
        "owner": "Civica",
        "ejerforhold": 20,
        "built": 1995,
    },
    "p": {
        "kind": "housing",
        "name": "Lejeboliger i Lærkeparken",
        "tenure": "private_rental",
        "dwellings": 180,
        "owner": "Vollsmose Bolig ApS (illustrative)",
        "ejerforhold": 30,
        "built": 1974,
    },
    "c": {
        "kind": "housing",
        "name": "Andelsboliger ved Fyrreparken",
        "tenure": "cooperative",
        "dwellings": 120,
        "owner": "Andelsboligforeningen Fyrren (illustrative)",
        "ejerforhold": 41,
        "built": 1978,
    },
    # -- business --
    "T": {
        "kind": "building",
        "key": "vollsmose-torv",
        "name": "Vollsmose Torv (Vollsmose Allé 10)",
        "use": "business",
        "bbr_use_code": 324,
        "rect": (1363, 562, 1503, 612),
        "storeys": 2,
        "business_m2": 14_000,
        "owner": "Dan Mark Ejendomme A/S",
        "ejerforhold": 30,
        "built": 1973,
        "facilities": [("shopping", "Vollsmose Torv", "Dan Mark Ejendomme A/S", None, None, True)],
    },
    "V": {
        "kind": "building",
        "key": "vollsmose-alle-20",
        "name": "Vollsmose Allé 20",
        "use": "business",
        "bbr_use_code": 321,
        "size": (85, 25),
        "storeys": 4,
        "business_m2": 8_500,
        "owner": MUNICIPALITY,
        "ejerforhold": 50,
        "built": 1975,
        "facilities": [
            (
                "municipal_workplace",
                "Vollsmose Allé 20 (340 kommunale arbejdspladser)",
                MUNICIPALITY,
                None,
                None,
                True,
            )
        ],
    },
    "M": {
        "kind": "building",
        "key": "kommunale-arbejdspladser",
        "name": "Hus til kommunale arbejdspladser",
        "use": "business",
        "bbr_use_code": 321,
        "size": (75, 20),
        "storeys": 4,
        "business_m2": 6_000,
        "owner": MUNICIPALITY,
        "ejerforhold": 50,
        "new": 2024,
        "decided": True,
        "facilities": [
            (
                "municipal_workplace",
                "Hus til kommunale arbejdspladser",
                MUNICIPALITY,
                2024,
                None,
                True,
            )
        ],
    },
    "B": {
        "kind": "building",
        "key": "erhverv-bygaden",
        "name": "Erhvervsbyggeri ved bygaden",
        "use": "business",
        "bbr_use_code": 321,
        "size": (80, 14),
        "storeys": 4,
        "business_m2": 4_000,
        # The company's until sold: the investor holding the option is confidential.
        "owner": DEVELOPER,
        "ejerforhold": 30,
        "new": 2027,
        "decided": False,
    },
    "W": {
        "kind": "building",
        "key": "erhverv-vollsmose-alle",
        "name": "Erhvervsbyggeri ved Vollsmose Allé",
        "use": "business",
        "bbr_use_code": 321,
        "size": (150, 14),
        "storeys": 2,
        "business_m2": 4_000,
        # The company's until sold: the investor holding the option is confidential.
        "owner": DEVELOPER,
        "ejerforhold": 30,
        "new": 2029,
        "decided": False,
    },
    # -- schools and culture --
    "s": {
        "kind": "building",
        "key": "abildgaardskolen",
        "name": "Abildgårdskolen",
        "use": "institution",
        "bbr_use_code": 421,
        "size": (170, 50),
        "storeys": 2,
        "built": 1968,
        "facilities": [("school", "Abildgårdskolen", MUNICIPALITY, None, None, True)],
    },
    "h": {
        "kind": "building",
        "key": "hc-andersen-skolen",
        "name": "H.C. Andersen Skolen",
        "use": "institution",
        "bbr_use_code": 421,
        "size": (160, 45),
        "storeys": 2,
        "built": 1971,
        # Merged onto Abildgårdskolen by 2025; the building is used for other purposes
        # (the 2030 map: "Skole/Daginstitution/Musikskole").
        "facilities": [
            ("school", "H.C. Andersen Skolen", MUNICIPALITY, None, 2023, True),
            (
                "daycare",
                "Daginstitution og musikskole (tidl. H.C. Andersen Skolen)",
                MUNICIPALITY,
                2024,
                None,
                False,
            ),
        ],
    },
    "g": {
        "kind": "building",
        "key": "mulernes-legatskole",
        "name": "Mulernes Legatskole",
        "use": "institution",
        "bbr_use_code": 429,
        "size": (160, 50),
        "storeys": 3,
        "owner": "Mulernes Legatskole (selvejende)",
        "ejerforhold": 40,
        "built": 1978,
        "facilities": [
            (
                "gymnasium",
                "Mulernes Legatskole",
                "Mulernes Legatskole (selvejende)",
                None,
                None,
                True,
            )
        ],
    },
    "L": {
        "kind": "building",
        "key": "bibliotek-svoemmehal",
        "name": "Vollsmose Bibliotek og Svømmehal (Vollsmose Allé 18B)",
        "use": "institution",
        "bbr_use_code": 413,
        "size": (85, 40),
        "storeys": 2,
        "built": 1976,
        "facilities": [
            ("library", "Vollsmose Bibliotek", MUNICIPALITY, None, None, True),
            ("swimming_hall", "Vollsmose Svømmehal", MUNICIPALITY, None, None, True),
        ],
    },
    "k": {
        "kind": "building",
        "key": "kirke",
        "name": "Vollsmose Kirke (illustrative name)",
        "use": "institution",
        "bbr_use_code": 414,
        "size": (40, 25),
        "storeys": 1,
        "owner": "Folkekirken (menighedsråd)",
        "ejerforhold": 90,
        "built": 1974,
        "facilities": [
            ("church", "Vollsmose Kirke", "Folkekirken (menighedsråd)", None, None, True)
        ],
    },
    "y": {
        "kind": "building",
        "key": "ungdomsskolen",
        "name": "Ungdomsskolen i Vollsmose",
        "use": "institution",
        "bbr_use_code": 429,
        "size": (120, 14),
        "storeys": 2,
        "built": 1980,
        "facilities": [
            ("youth_school", "Ungdomsskolen i Vollsmose", MUNICIPALITY, None, None, True)
        ],
    },
    "F": {
        "kind": "building",
        "key": "b1909-klubhus",
        "name": "B1909, klubhus og fodboldbaner",
        "use": "institution",
        "bbr_use_code": 531,
        "rect": (1445, 1055, 1480, 1067),
        "storeys": 1,
        "built": 1975,
        "parcel_use": "green",  # the parcel is the football grounds
        "facilities": [("sports", "B1909 fodboldbaner", "B1909", None, None, True)],
    },
    "C": {
        "kind": "building",
        "key": "kulturhus",
        "name": "Kulturhus",
        "use": "institution",
        "bbr_use_code": 419,
        "size": (120, 14),
        "storeys": 2,
        "new": 2024,
        "decided": False,
        "facilities": [("culture", "Kulturhus", MUNICIPALITY, 2024, None, False)],
    },
    "R": {
        "kind": "building",
        "key": "fritidsfacilitet",
        "name": "Fritidsfacilitet",
        "use": "institution",
        "bbr_use_code": 533,
        "size": (80, 14),
        "storeys": 1,
        "new": 2024,
        "decided": False,
        "facilities": [("sports", "Fritidsfacilitet", MUNICIPALITY, 2024, None, False)],
    },
    # -- day-care institutions: ten in 2020, six closed and demolished by 2025 (seed 001) --
    "a": {"kind": "daycare", "name": "Børnehuset Granparken", "closed": 2022},
    "f": {"kind": "daycare", "name": "Børnehuset Fyrreparken", "closed": 2022},
    "l": {"kind": "daycare", "name": "Børnehuset Lærkeparken", "closed": 2023},
    "i": {"kind": "daycare", "name": "Børnehuset Birkeparken", "closed": 2023},
    "e": {"kind": "daycare", "name": "Børnehuset Egeparken", "closed": 2024},
    "b": {"kind": "daycare", "name": "Børnehuset Bøgeparken", "closed": 2024},
    "v": {"kind": "daycare", "name": "Vuggestuen Abildgården"},
    "r": {"kind": "daycare", "name": "Vuggestuen Lærkereden"},
    "m": {"kind": "daycare", "name": "Børnehaven Mosen"},
    "n": {"kind": "daycare", "name": "Børnehuset Regnbuen"},
    # New day-care institutions (2025 and 2030 maps).
    "A": {"kind": "daycare", "name": "Nyt dagtilbud ved bygaden", "new": 2024, "decided": True},
    "P": {
        "kind": "daycare",
        "name": "Nyt dagtilbud i Parkkvarteret",
        "new": 2027,
        "decided": False,
    },
}
DAYCARE = {"size": (70, 14), "storeys": 1, "bbr_use_code": 441, "built": 1972}

# The udsat area's row-house departments (~800 in all, public source; split chosen). Row
# houses of ROW_HOUSE metres, 8 dwellings each, in 9 rows of 6 per department cell.
ROW_HOUSE_DEPARTMENTS = [
    {"name": "Tjørnehaven", "owner": "FAB", "dwellings": 300, "origin": (0, 1260),
     "built": 1972, "color": "#b3de69"},
    {"name": "Hybenhaven", "owner": "Civica", "dwellings": 260, "origin": (560, 1260),
     "built": 1973, "color": "#fccde5"},
    {"name": "Slåenhaven", "owner": "Civica", "dwellings": 240, "origin": (1120, 1260),
     "built": 1974, "color": "#d9d9d9"},
]  # fmt: skip
ROW_HOUSE = (72, 10)
ROW_HOUSE_DWELLINGS = 8
ROW_HOUSE_COLUMNS = (19, 109, 199, 289, 379, 469)
ROW_HOUSE_ROWS = (15, 45, 75, 105, 135, 165, 195, 225, 255)

# The planned new quarters (kvarterer) of the hard area: names and borders illustrative.
# The two middle ones reach across the bygade, as the plan's quarters integrate across the
# big roads.
KVARTERER = [
    {"slug": "aasumkvarteret", "name": "Åsumkvarteret", "rect": (0, 0, 840, 400),
     "color": "#1b9e77"},
    {"slug": "torvekvarteret", "name": "Torvekvarteret", "rect": (840, 0, 1680, 920),
     "color": "#d95f02"},
    {"slug": "ejbygadekvarteret", "name": "Ejbygadekvarteret", "rect": (0, 400, 840, 1260),
     "color": "#7570b3"},
    {"slug": "parkkvarteret", "name": "Parkkvarteret", "rect": (840, 920, 1680, 1260),
     "color": "#e7298a"},
]  # fmt: skip

# 1,600 new private dwellings (seed 001), built 2022-2029 (year: dwellings; chosen), in
# buildings of ~50 dwellings, spread over the four quarters in turn, the tenures in turn.
NEW_PRIVATE_BY_YEAR = {
    2022: 100,
    2023: 150,
    2024: 200,
    2025: 250,
    2026: 250,
    2027: 250,
    2028: 200,
    2029: 200,
}
NEW_BUILDING_DWELLINGS = 50
NEW_PRIVATE_TENURES = (
    "private_rental",
    "owner_occupied",
    "private_rental",
    "cooperative",
    "owner_occupied",
)
NEW_PRIVATE_OWNERS = {
    "private_rental": ("Privat udlejer (illustrative)", 30),
    "owner_occupied": ("Ejerforening, ejerlejligheder (illustrative)", 10),
    "cooperative": ("Andelsboligforening (illustrative)", 41),
}
# New buildings after this year are not yet decided (chosen).
NEW_BUILDING_DECIDED_UNTIL = 2025

# Almene family dwellings converted to another almen tenure (illustrative): the mechanism
# the plan can use to lower the share further. (department, dwellings, year, new tenure,
# decided). Taken from the department's kept blocks, the last block first.
CONVERSIONS = [("Bøgeparken", 40, 2027, "almen_elderly", False)]

# Net floor area per dwelling (m², chosen) for dwelling_stock.floor_area_m2.
AREA_PER_DWELLING = {
    "almen_family": 75.0,
    "almen_youth": 40.0,
    "almen_elderly": 60.0,
    "private_rental": 75.0,
    "owner_occupied": 90.0,
    "cooperative": 80.0,
}

# Roads: kind, name, status, opening, closing, decided, local coordinates. Lines are clipped
# to the extent. Internal access roads carry the department's name, as the addresses do.
ROADS = [
    ("road", "Ejbygade", "existing", None, None, True, [(-15, -200), (-15, 1800)]),
    ("road", "Vollsmose Allé", "existing", None, None, True, [(1695, -200), (1695, 1800)]),
    ("road", "Åsumvej", "existing", None, None, True, [(-200, -15), (1900, -15)]),
    ("road", "Kertemindevej", "existing", None, None, True, [(-200, 1555), (1900, 1555)]),
    # The bygade: Risingvej extended east across Ejbygade to Vollsmose Allé (opened 2020).
    ("bygade", "Risingvej (bygaden)", "existing", 2020, None, True, [(-200, 640), (1695, 640)]),
    ("sivegade", "Sivegade Vest", "existing", 2022, None, True, [(560, -15), (560, 1260)]),
    ("sivegade", "Sivegade Øst", "existing", 2023, None, True, [(1120, -15), (1120, 1260)]),
    ("sivegade", "Sivegade Nord", "planned", 2027, None, False, [(-15, 975), (1695, 975)]),
    ("sivegade", "Sivegade Syd", "planned", 2028, None, False, [(-15, 225), (1695, 225)]),
    ("road", "Granparken", "existing", None, None, True, [(280, -15), (280, 640)]),
    ("road", "Lærkeparken", "existing", None, None, True, [(840, -15), (840, 640)]),
    ("road", "Egeparken", "existing", None, None, True, [(1400, -15), (1400, 540)]),
    ("road", "Fyrreparken", "existing", None, None, True, [(280, 640), (280, 1260)]),
    ("road", "Birkeparken", "existing", None, None, True, [(840, 640), (840, 1260)]),
    ("road", "Bøgeparken", "existing", None, None, True, [(1400, 640), (1400, 1260)]),
    ("road", "Tjørnehaven", "existing", None, None, True, [(280, 1260), (280, 1555)]),
    ("road", "Hybenhaven", "existing", None, None, True, [(840, 1260), (840, 1555)]),
    ("road", "Slåenhaven", "existing", None, None, True, [(1400, 1260), (1400, 1555)]),
    # The oplevelsessti through the departments (seed 001: an existing effort 2019-2022).
    ("path", "Oplevelsesstien", "existing", 2021, None, True, [(-15, 810), (1695, 810)]),
    ("path", "Sti gennem Granparken og Lærkeparken", "existing", None, None, True,
     [(-15, 445), (1120, 445)]),
]  # fmt: skip
# The bygade and the two decided sivegader have their own (road) parcels.
ROAD_PARCELS = [
    ("Risingvej (bygaden)", (0, 640), (1680, 640)),
    ("Sivegade Vest", (560, 0), (560, 1260)),
    ("Sivegade Øst", (1120, 0), (1120, 1260)),
]

# Letbane line 2: not decided; opens 2030 at the earliest (public route study: north along
# Ejbygade, through Vollsmose, on towards Seden along Kertemindevej). Clipped to the extent.
LETBANE = {
    "name": "Letbane linje 2 (etape 2)",
    "opening_year": 2030,
    "route": [
        (-8, -200),
        (-8, 335),
        (1400, 335),
        (1400, 547),
        (1670, 547),
        (1670, 1030),
        (840, 1030),
        (840, 1548),
        (1900, 1548),
    ],
    "stops": [
        ("Granparken", (280, 335)),
        ("Lærkeparken", (840, 335)),
        ("Vollsmose Torv", (1400, 547)),
        ("Egeparken", (1600, 547)),
        ("Bøgeparken", (1670, 820)),
        ("Birkeparken", (980, 1030)),
        ("Hybenhaven", (840, 1400)),
    ],
}

# Cadastre (invented): one ejerlav for the whole layout, parcels numbered 1a, 2a, ... in
# the order the build creates them.
EJERLAVSKODE = 9_900_001
