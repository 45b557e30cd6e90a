"""The hand-written description of the Vollsmose reference dataset.

Numbers come from the plan (seed 001, via ../../../shared/DOMAIN.md) where it gives them and
are chosen here where it does not; README.md beside this file says which is which. The
layout is approximate and illustrative: a local grid in metres, east (x) and north (y) of
ORIGIN in EPSG:25832, roughly where Vollsmose lies. It is not surveyed.
"""

from __future__ import annotations

# SW corner of the layout, EPSG:25832 (≈ 55.4012 N, 10.4180 E). Vollsmose Torv (55.4068 N,
# 10.4413 E) is then at about (1460, 655) on the local grid.
ORIGIN = (589_800.0, 6_140_350.0)
# Hard-ghetto area: 1,700 m × 1,300 m south of the row-house strip along Kertemindevej.
HARD_AREA = (0, 0, 1700, 1300)
UDSAT_AREA = (0, 1300, 1700, 1600)
ROW_SPLIT = 680  # the bygade runs along here, between the southern and northern departments

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
        "(2019): six almene housing departments of FAB and Civica, Vollsmose Torv, schools "
        "and institutions.",
    },
    {
        "slug": "kertemindevejkvarteret",
        "name": "Kertemindevejkvarteret",
        "kind": "udsat",
        "rect": UDSAT_AREA,
        "description": "The udsat boligområde along Kertemindevej, ~1,380 residents: three "
        "row-house departments of FAB and Civica.",
    },
]

# Departments of the hard area. dwellings: almene family dwellings 2020. demolition:
# (dwellings, first year, last year), seed 001. renovation: years of the renovation of the
# remaining blocks (chosen). Lærke-, Ege- and Bøgeparken share ~1,343 (public source); the
# split between them is chosen here.
DEPARTMENTS = [
    {
        "name": "Granparken",
        "owner": "Civica",
        "dwellings": 504,
        "cell": (0, 0, 570, 680),
        "demolition": (160, 2024, 2027),
        "renovation": (2024, 2028),
        "color": "#8dd3c7",
    },
    {
        "name": "Lærkeparken",
        "owner": "Civica",
        "dwellings": 420,
        "cell": (570, 0, 1140, 680),
        "demolition": (136, 2025, 2028),
        "renovation": (2025, 2029),
        "color": "#ffffb3",
    },
    {
        "name": "Egeparken",
        "owner": "Civica",
        "dwellings": 455,
        "cell": (1140, 0, 1700, 680),
        "demolition": (191, 2026, 2029),
        "renovation": (2026, 2030),
        "color": "#bebada",
    },
    {
        "name": "Fyrreparken",
        "owner": "FAB",
        "dwellings": 504,
        "cell": (0, 680, 570, 1300),
        "demolition": (26, 2020, 2020),
        "renovation": (2020, 2023),
        "color": "#fb8072",
    },
    {
        "name": "Birkeparken",
        "owner": "FAB",
        "dwellings": 449,
        "cell": (570, 680, 1140, 1300),
        "demolition": (200, 2022, 2025),
        "renovation": (2021, 2025),
        "color": "#80b1d3",
    },
    {
        "name": "Bøgeparken",
        "owner": "Civica",
        "dwellings": 468,
        "cell": (1140, 680, 1700, 1300),
        "demolition": (287, 2021, 2026),
        "renovation": (2022, 2027),
        "color": "#fdb462",
    },
]

# The udsat area's row-house departments (~800 in all, public source; split chosen).
ROW_HOUSE_DEPARTMENTS = [
    {
        "name": "Tjørnehaven",
        "owner": "FAB",
        "dwellings": 300,
        "cell": (0, 1300, 570, 1600),
        "color": "#b3de69",
    },
    {
        "name": "Hybenhaven",
        "owner": "Civica",
        "dwellings": 260,
        "cell": (570, 1300, 1140, 1600),
        "color": "#fccde5",
    },
    {
        "name": "Slåenhaven",
        "owner": "Civica",
        "dwellings": 240,
        "cell": (1140, 1300, 1700, 1600),
        "color": "#d9d9d9",
    },
]

# The planned new quarters (kvarterer) of the hard area; names are illustrative.
KVARTERER = [
    {
        "slug": "aasumkvarteret",
        "name": "Åsumkvarteret",
        "rect": (0, 0, 850, 680),
        "color": "#1b9e77",
    },
    {
        "slug": "torvekvarteret",
        "name": "Torvekvarteret",
        "rect": (850, 0, 1700, 680),
        "color": "#d95f02",
    },
    {
        "slug": "ejbygadekvarteret",
        "name": "Ejbygadekvarteret",
        "rect": (0, 680, 850, 1300),
        "color": "#7570b3",
    },
    {
        "slug": "parkkvarteret",
        "name": "Parkkvarteret",
        "rect": (850, 680, 1700, 1300),
        "color": "#e7298a",
    },
]

# Dwellings in the hard area in 2020 that are not almene family dwellings (chosen so that
# the 2020 legal share is ~76 %, as seed 001 states). (department cell, tenure, dwellings,
# owner, ejerforhold)
OTHER_DWELLINGS = [
    ("Birkeparken", "almen_elderly", 180, "FAB", 20),
    ("Egeparken", "almen_youth", 80, "Civica", 20),
    ("Lærkeparken", "private_rental", 160, "Vollsmose Bolig ApS (illustrative)", 30),
    ("Fyrreparken", "owner_occupied", 100, "Private owners", 10),
]

# Business floor area (m²). Vollsmose Torv: Dan Mark Ejendomme A/S; Vollsmose Allé 20: 340
# municipal workplaces. Floor areas chosen; with the dwellings above the 2020 share is ~76 %.
BUSINESS = [
    {
        "key": "vollsmose-torv",
        "name": "Vollsmose Torv",
        "owner": "Dan Mark Ejendomme A/S",
        "ejerforhold": 30,
        "m2": 16_000,
        "rect": (1400, 560, 1520, 660),
        "built": None,
        "bbr_use_code": 321,
    },
    {
        "key": "vollsmose-alle-20",
        "name": "Vollsmose Allé 20 (kommunale arbejdspladser)",
        "owner": "Odense Kommune",
        "ejerforhold": 50,
        "m2": 11_000,
        "rect": (1580, 420, 1660, 520),
        "built": None,
        "bbr_use_code": 321,
    },
    {
        "key": "erhverv-bygaden",
        "name": "Erhvervsbyggeri ved bygaden",
        "owner": "Arealudviklingsselskabet (illustrative)",
        "ejerforhold": 30,
        "m2": 8_000,
        "rect": (1200, 560, 1300, 650),
        "built": 2028,
        "bbr_use_code": 321,
    },
]

# 1,600 new private dwellings (seed 001), built 2022–2029 (year: dwellings; chosen).
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
NEW_PRIVATE_TENURES = ("owner_occupied", "private_rental", "cooperative")
NEW_BUILDING_DWELLINGS = 50

# Almene family dwellings converted to almene elderly dwellings (illustrative): the
# mechanism the plan may use to lower the share further. (department, dwellings, year)
CONVERSIONS = [("Bøgeparken", 60, 2027)]

ROADS = [
    # kind, name, status, opening, closing, decided, local coordinates
    ("road", "Ejbygade", "existing", None, None, True, [(-20, -150), (-20, 1750)]),
    ("road", "Vollsmose Allé", "existing", None, None, True, [(1720, -150), (1720, 1750)]),
    ("road", "Åsumvej", "existing", None, None, True, [(-150, -20), (1850, -20)]),
    ("road", "Kertemindevej", "existing", None, None, True, [(-150, 1620), (1850, 1620)]),
    ("road", "Vollsmose Parkvej", "existing", None, None, True, [(-20, 330), (1720, 330)]),
    ("bygade", "Risingvej (bygaden)", "existing", 2020, None, True, [(-300, 680), (1720, 680)]),
    ("sivegade", "Sivegade Vest", "existing", 2022, None, True, [(570, -20), (570, 1300)]),
    ("sivegade", "Sivegade Øst", "existing", 2023, None, True, [(1140, -20), (1140, 1300)]),
    ("sivegade", "Sivegade Nord", "planned", 2027, None, False, [(-20, 1000), (1720, 1000)]),
    ("sivegade", "Sivegade Syd", "planned", 2028, None, False, [(850, -20), (850, 330)]),
    (
        "path",
        "Oplevelsesstien",
        "existing",
        2021,
        None,
        True,
        [(0, 500), (400, 560), (850, 520), (1300, 560), (1700, 500)],
    ),
    ("path", "Sti gennem Birkeparken", "existing", None, None, True, [(850, 680), (850, 1600)]),
]

# Letbane line 2: not decided; opens 2030 at the earliest (public route study: north along
# Ejbygade, through Vollsmose towards Seden).
LETBANE = {
    "name": "Letbane linje 2 (etape 2)",
    "opening_year": 2030,
    "route": [
        (-60, -400),
        (-60, 300),
        (285, 300),
        (855, 300),
        (1400, 500),
        (1560, 760),
        (1560, 1000),
        (855, 1100),
        (855, 1460),
        (1300, 1700),
        (1900, 2100),
    ],
    "stops": [
        ("Granparken", (285, 300)),
        ("Lærkeparken", (855, 300)),
        ("Vollsmose Torv", (1400, 500)),
        ("Egeparken", (1560, 760)),
        ("Bøgeparken", (1560, 1000)),
        ("Birkeparken", (855, 1100)),
        ("Hybenhaven", (855, 1460)),
    ],
}

# Facilities (kind, name, owner, opening, closing, decided, local point). Six day-care
# institutions close and are demolished by 2025; new ones open 2024 and 2028 (seed 001).
FACILITIES = [
    ("school", "Abildgårdskolen", "Odense Kommune", None, None, True, (300, 1180)),
    ("school", "H.C. Andersen Skolen", "Odense Kommune", None, 2023, True, (1300, 200)),
    ("gymnasium", "Mulernes Legatskole", "Odense Kommune", None, None, True, (1650, 1250)),
    (
        "library",
        "Vollsmose Bibliotek (Vollsmose Allé 18B)",
        "Odense Kommune",
        None,
        None,
        True,
        (1640, 600),
    ),
    (
        "swimming_hall",
        "Vollsmose Svømmehal (Vollsmose Allé 18B)",
        "Odense Kommune",
        None,
        None,
        True,
        (1640, 640),
    ),
    ("municipal_workplace", "Vollsmose Allé 20", "Odense Kommune", None, None, True, (1620, 470)),
    ("shopping", "Vollsmose Torv", "Dan Mark Ejendomme A/S", None, None, True, (1460, 610)),
    ("church", "Vollsmose Kirke", "Folkekirken", None, None, True, (1000, 600)),
    ("youth_school", "Ungdomsskolen Vollsmose", "Odense Kommune", None, None, True, (700, 600)),
    ("sports", "B1909 fodboldbaner", "B1909", None, None, True, (1300, 1200)),
    ("daycare", "Børnehuset Granparken", "Odense Kommune", None, 2022, True, (150, 600)),
    ("daycare", "Børnehuset Lærkeparken", "Odense Kommune", None, 2023, True, (700, 450)),
    ("daycare", "Børnehuset Egeparken", "Odense Kommune", None, 2023, True, (1250, 450)),
    ("daycare", "Børnehuset Fyrreparken", "Odense Kommune", None, 2022, True, (150, 1250)),
    ("daycare", "Børnehuset Birkeparken", "Odense Kommune", None, 2024, True, (700, 1250)),
    ("daycare", "Børnehuset Bøgeparken", "Odense Kommune", None, 2024, True, (1250, 1250)),
    ("daycare", "Vuggestuen Abildgården", "Odense Kommune", None, None, True, (450, 1180)),
    ("daycare", "Børnehuset Tjørnehaven", "Odense Kommune", None, None, True, (300, 1550)),
    ("daycare", "Børnehuset Hybenhaven", "Odense Kommune", None, None, True, (850, 1550)),
    ("daycare", "Børnehuset Slåenhaven", "Odense Kommune", None, None, True, (1400, 1550)),
    ("daycare", "Nyt dagtilbud ved bygaden", "Odense Kommune", 2024, None, True, (400, 640)),
    ("daycare", "Nyt dagtilbud Parkkvarteret", "Odense Kommune", 2028, None, False, (1000, 1150)),
    ("daycare", "Nyt dagtilbud Torvekvarteret", "Odense Kommune", 2028, None, False, (1000, 200)),
    (
        "culture",
        "Kulturhus og kommunale arbejdspladser",
        "Odense Kommune",
        2024,
        None,
        True,
        (1350, 720),
    ),
]

# Cadastre (illustrative): ejerlavskode of the layout's ejerlav, parcel numbers from 1.
EJERLAVSKODE = 2_000_170
