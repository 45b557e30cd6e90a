"""How the plan draws its maps: one styling definition for the web viewer and the static maps.

Every feature gets a class (`classify`) from its properties and the year shown; each class has
one style (colour, line, fill, hatch) and one Danish legend label. The viewer receives these
definitions as JSON (`viewer_styles`) and the static renderer reads them directly, so a
building "to be demolished" looks the same on screen, on paper and in the GeoTIFF.

The building classes follow the fremtidsbillede maps of the Realiseringsplan (seed 001):
existing blocks black, blocks to be demolished hatched, renovated blocks, and new buildings in
the colour of their quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

# Quarter colour for a new building outside every quarter (or in one without a colour).
NEW_BUILDING_FALLBACK = "#d95f02"
# The quarter set whose colours new buildings take: the plan's quarters (kvarterer).
COLOUR_QUARTER_SET = "kvarterer"

# Notes every map and page that shows the bundled data must carry.
REFERENCE_NOTE = (
    "Referencedata: tallene følger Realiseringsplanen (Odense Kommune 2020); "
    "geometrien er et omtrentligt layout, ikke opmålt."
)
DATA_SOURCE = "Fremtidens Vollsmose, referencedatasæt (Realiseringsplan, Odense Kommune 2020)"

# The three years the plan draws (fremtidsbillede 2020 / 2025 / 2030).
FREMTIDSBILLEDE_YEARS = (2020, 2025, 2030)
# The plan's map of today: the transformation (new quarters, their colours) comes after it.
TRANSFORMATION_START_YEAR = FREMTIDSBILLEDE_YEARS[0]
# The range the viewer's slider offers.
VIEWER_MIN_YEAR = 2010
VIEWER_MAX_YEAR = 2040


@dataclass(frozen=True)
class Style:
    key: str
    label: str
    stroke: str | None = "#000000"
    width: float = 1.0
    # Dash pattern in screen pixels ("8 6"); None: solid.
    dash: str | None = None
    fill: str | None = None
    fill_opacity: float = 0.0
    # Hatched fill (diagonal lines in the stroke colour over `fill`).
    hatch: bool = False
    # Point symbols: circle radius in pixels.
    radius: float | None = None
    # Colour of the class in the GeoTIFF, where hatching cannot be drawn; None: `fill`/`stroke`.
    raster_colour: str | None = None


@dataclass(frozen=True)
class LayerStyle:
    layer: str
    # The layer's title in the viewer's layer control and the legend.
    title: str
    classes: tuple[Style, ...]
    # Shown when the viewer opens.
    default_on: bool = True
    # Features are labelled with this property.
    label: str | None = None
    # Drawing order, bottom first.
    z: int = 0

    def style(self, key: str) -> Style:
        return next((c for c in self.classes if c.key == key), self.classes[0])


BLACK = "#1a1a1a"
RED = "#d7191c"
# The kinds of area (gis.models.AREA_KINDS) in Danish, as the pages and the map legend name
# them.
AREA_KIND_DA = {
    "hard_ghetto": "Hårdt ghettoområde",
    "omdannelse": "Omdannelsesområde",
    "parallelsamfund": "Parallelsamfund",
    "udsat": "Udsat boligområde",
    "forebyggelse": "Forebyggelsesområde",
    "other": "Andet område",
}
BLUE = "#1f5fbf"
PLAN_PURPLE = "#6a3d9a"

LAYER_STYLES: dict[str, LayerStyle] = {
    s.layer: s
    for s in (
        LayerStyle(
            "parcels",
            "Matrikler",
            (Style("parcel", "Matrikel", stroke="#8a7f6d", width=0.6, dash="2 3"),),
            default_on=False,
            z=0,
        ),
        LayerStyle(
            "quarters",
            "Kvarterer (planens)",
            (
                Style(
                    "quarter",
                    "Kvarter (egen farve)",
                    stroke="#777777",
                    width=1.2,
                    fill="#cccccc",
                    fill_opacity=0.25,
                ),
                # Before the transformation the plan's quarters are not yet formed: the 2020
                # map (seed 001) is Vollsmose as it is, without them; only their borders show.
                Style(
                    "quarter_future",
                    "Kommende kvarter (grænse)",
                    stroke="#9a9a9a",
                    width=1.0,
                    dash="4 4",
                ),
            ),
            label="name",
            z=1,
        ),
        LayerStyle(
            "departments",
            "Boligafdelinger",
            (
                Style(
                    "department",
                    "Boligafdeling",
                    stroke="#555555",
                    width=1.0,
                    dash="4 3",
                    fill="#ffffff",
                    fill_opacity=0.0,
                ),
            ),
            default_on=False,
            label="name",
            z=2,
        ),
        # Plandata.dk's lokalplaner (or the reference data's illustrative one): the plan's
        # outline by its status, its delområder hatched and lighter inside it. Under the roads
        # and buildings, so those stay clickable through a plan's area.
        LayerStyle(
            "local_plans",
            "Lokalplaner",
            (
                Style(
                    "plan_adopted",
                    "Lokalplan, vedtaget",
                    stroke=PLAN_PURPLE,
                    width=2.5,
                    fill="#cab2d6",
                    fill_opacity=0.12,
                ),
                Style(
                    "plan_proposed",
                    "Lokalplan, forslag",
                    stroke=PLAN_PURPLE,
                    width=2.5,
                    dash="8 5",
                    fill="#cab2d6",
                    fill_opacity=0.08,
                ),
                Style(
                    "subarea_adopted",
                    "Delområde, vedtaget",
                    stroke="#8c6bb1",
                    width=1.2,
                    fill="#efe7f5",
                    fill_opacity=0.45,
                    hatch=True,
                ),
                Style(
                    "subarea_proposed",
                    "Delområde, forslag",
                    stroke="#8c6bb1",
                    width=1.2,
                    dash="4 3",
                    fill="#efe7f5",
                    fill_opacity=0.3,
                    hatch=True,
                ),
                Style("cancelled", "Aflyst", stroke="#8a8a8a", width=1.0, dash="2 4"),
            ),
            default_on=False,
            z=3,
        ),
        LayerStyle(
            "roads",
            "Veje, bygade, sivegader og stier",
            (
                Style("road", "Vej", stroke="#9a9a9a", width=4.0),
                Style("bygade", "Bygade", stroke="#c0392b", width=5.0),
                Style("sivegade", "Sivegade", stroke="#e67e22", width=3.0),
                Style("path", "Sti", stroke="#7a6a3a", width=1.5, dash="3 3"),
                Style(
                    "road_undecided", "Vej, ikke besluttet", stroke="#9a9a9a", width=3.0, dash="6 4"
                ),
            ),
            z=4,
        ),
        LayerStyle(
            "buildings",
            "Bygninger",
            (
                Style(
                    "existing",
                    "Eksisterende bygning",
                    stroke=BLACK,
                    width=0.8,
                    fill=BLACK,
                    fill_opacity=1.0,
                ),
                Style(
                    "to_demolish",
                    # The plan's own legend (seed 001, the 2025 map): "Måske nedrives = skraveret".
                    "Måske nedrives",
                    stroke=BLACK,
                    width=0.8,
                    fill="#ffffff",
                    fill_opacity=1.0,
                    hatch=True,
                    raster_colour="#f08080",
                ),
                Style(
                    "renovating",
                    "Under renovering",
                    stroke=BLACK,
                    width=0.8,
                    fill="#8c8c8c",
                    fill_opacity=1.0,
                    hatch=True,
                    raster_colour="#c8c8c8",
                ),
                Style(
                    "renovated",
                    "Renoveret",
                    stroke=BLACK,
                    width=0.8,
                    fill="#8c8c8c",
                    fill_opacity=1.0,
                ),
                Style(
                    "new",
                    "Ny bygning (kvarterets farve)",
                    stroke="#333333",
                    width=0.8,
                    fill=NEW_BUILDING_FALLBACK,
                    fill_opacity=1.0,
                ),
                Style(
                    "new_undecided",
                    "Ny bygning, ikke besluttet",
                    stroke="#333333",
                    width=1.0,
                    dash="3 2",
                    fill=NEW_BUILDING_FALLBACK,
                    fill_opacity=0.5,
                ),
            ),
            z=5,
        ),
        LayerStyle(
            "areas",
            "Områdegrænser",
            (
                Style(
                    "hard_ghetto", AREA_KIND_DA["hard_ghetto"], stroke=RED, width=2.5, dash="10 6"
                ),
                Style("udsat", AREA_KIND_DA["udsat"], stroke="#8e44ad", width=2.0, dash="6 4"),
                Style("other", AREA_KIND_DA["other"], stroke="#555555", width=1.5, dash="4 4"),
            ),
            z=6,
        ),
        LayerStyle(
            "rail_lines",
            "Letbane linje 2",
            (
                Style("decided", "Letbane linje 2", stroke=BLUE, width=4.0),
                Style(
                    "undecided",
                    "Letbane linje 2 (ikke besluttet)",
                    stroke=BLUE,
                    width=4.0,
                    dash="10 6",
                ),
            ),
            z=7,
        ),
        LayerStyle(
            "rail_stops",
            "Letbanestop",
            (
                Style(
                    "decided",
                    "Letbanestop",
                    stroke=BLUE,
                    width=2.5,
                    fill="#ffffff",
                    fill_opacity=1.0,
                    radius=6,
                ),
                Style(
                    "undecided",
                    "Letbanestop (ikke besluttet)",
                    stroke=BLUE,
                    width=2.5,
                    fill="#ffffff",
                    fill_opacity=1.0,
                    radius=6,
                ),
            ),
            label="name",
            z=8,
        ),
        LayerStyle(
            "facilities",
            "Institutioner og faciliteter",
            (
                Style(
                    "school",
                    "Skole",
                    stroke="#ffffff",
                    width=1.5,
                    fill="#2c7fb8",
                    fill_opacity=1.0,
                    radius=6,
                ),
                Style(
                    "daycare",
                    "Daginstitution",
                    stroke="#ffffff",
                    width=1.5,
                    fill="#41ab5d",
                    fill_opacity=1.0,
                    radius=5,
                ),
                Style(
                    "culture",
                    "Kultur, bibliotek, idræt",
                    stroke="#ffffff",
                    width=1.5,
                    fill="#984ea3",
                    fill_opacity=1.0,
                    radius=5,
                ),
                Style(
                    "other",
                    "Anden facilitet",
                    stroke="#ffffff",
                    width=1.5,
                    fill="#636363",
                    fill_opacity=1.0,
                    radius=5,
                ),
            ),
            label="name",
            z=9,
        ),
    )
}

# Viewer layers that are drawn from another registry layer (departments: the quarters layer
# filtered to the housing departments).
SOURCE_LAYER = {"departments": "quarters"}
AREA_KIND_CLASS = {"hard_ghetto": "hard_ghetto", "omdannelse": "hard_ghetto", "udsat": "udsat"}
ROAD_KIND_CLASS = {"bygade": "bygade", "sivegade": "sivegade", "path": "path", "road": "road"}
FACILITY_KIND_CLASS = {
    "school": "school",
    "gymnasium": "school",
    "youth_school": "school",
    "daycare": "daycare",
    "library": "culture",
    "swimming_hall": "culture",
    "culture": "culture",
    "sports": "culture",
    "church": "culture",
}


def building_class(props: dict, year: int) -> str:
    """The class of a building standing in `year` (as of 1 January: see `gis.state`)."""
    demolished = props.get("demolished_year")
    built = props.get("built_year")
    ren_start = props.get("renovation_start_year")
    ren_end = props.get("renovation_end_year")
    if demolished is not None and demolished >= year:
        return "to_demolish"
    if built is not None and built < year:
        return "new" if props.get("built_decided", True) else "new_undecided"
    if ren_start is not None and ren_start < year and (ren_end is None or ren_end >= year):
        return "renovating"
    if ren_end is not None and ren_end < year:
        return "renovated"
    return "existing"


def local_plan_class(props: dict) -> str:
    """A lokalplan or delområde by its status (Plandata.dk: forslag, vedtaget, aflyst)."""
    if props.get("status") == "aflyst":
        return "cancelled"
    part = "subarea" if props.get("kind") == "delomraade" else "plan"
    return f"{part}_{'adopted' if props.get('status') == 'vedtaget' else 'proposed'}"


def quarters_formed(year: int) -> bool:
    """Whether the plan's quarters stand, and show their colours, on 1 January of `year`."""
    return year > TRANSFORMATION_START_YEAR


def classify(layer: str, props: dict, year: int) -> str:
    if layer == "quarters":
        return "quarter" if quarters_formed(year) else "quarter_future"
    if layer == "buildings":
        return building_class(props, year)
    if layer == "areas":
        return AREA_KIND_CLASS.get(props.get("kind"), "other")
    if layer == "roads":
        if props.get("decided") is False and props.get("kind") == "road":
            return "road_undecided"
        return ROAD_KIND_CLASS.get(props.get("kind"), "road")
    if layer in ("rail_lines", "rail_stops"):
        return "decided" if props.get("decided") else "undecided"
    if layer == "facilities":
        return FACILITY_KIND_CLASS.get(props.get("kind"), "other")
    if layer == "local_plans":
        return local_plan_class(props)
    return LAYER_STYLES[layer].classes[0].key


def viewer_styles() -> dict:
    """The styling definition as JSON for the viewer, in drawing order."""
    return {
        "layers": [
            {
                **{k: v for k, v in asdict(s).items() if k != "classes"},
                "classes": [asdict(c) for c in s.classes],
            }
            for s in sorted(LAYER_STYLES.values(), key=lambda s: s.z)
        ],
        "note": REFERENCE_NOTE,
        "source": DATA_SOURCE,
        "years": list(FREMTIDSBILLEDE_YEARS),
        "min_year": VIEWER_MIN_YEAR,
        "max_year": VIEWER_MAX_YEAR,
    }


# The bundled reference dataset writes its metadata in English (data/kort/description.py,
# land.py, the criteria areas); the Danish pages and print maps show it in Danish. Text from
# any other source is shown as its author wrote it.
_REFERENCE_TEXTS_DA = {
    "Reference dataset of Fremtidens Vollsmose: dwelling numbers, demolition schedule and "
    "targets from the Realiseringsplan (Odense Kommune 2020) and public sources; geometry is "
    "an approximate, illustrative layout, not surveyed data.": (
        "Referencedatasæt for Fremtidens Vollsmose: antal boliger, nedrivningsplan og mål fra "
        "Realiseringsplanen (Odense Kommune 2020) og offentlige kilder; geometrien er et "
        "omtrentligt, illustrativt layout, ikke opmålt."
    ),
    "The hard ghetto area (omdannelsesområde) Vollsmose, ~7,750 residents (2019), between "
    "Kertemindevejkvarteret (north), Ejbygade (west), Åsumvej (south) and Vollsmose Allé "
    "(east): six almene housing departments of FAB and Civica, Vollsmose Torv, schools and "
    "institutions.": (
        "Det hårde ghettoområde (omdannelsesområde) Vollsmose, ca. 7.750 beboere (2019), mellem "
        "Kertemindevejkvarteret (nord), Ejbygade (vest), Åsumvej (syd) og Vollsmose Allé (øst): "
        "seks almene boligafdelinger under FAB og Civica, Vollsmose Torv, skoler og "
        "institutioner."
    ),
    "The udsat boligområde along Kertemindevej, ~1,380 residents: the row-house departments "
    "Tjørnehaven (FAB), Hybenhaven and Slåenhaven (Civica).": (
        "Det udsatte boligområde langs Kertemindevej, ca. 1.380 beboere: rækkehusafdelingerne "
        "Tjørnehaven (FAB), Hybenhaven og Slåenhaven (Civica)."
    ),
    "Illustrative: approximate boundary (a rectangle around an approximate centre), not the "
    "designated area": (
        "Illustrativ: omtrentlig afgrænsning (et rektangel om et omtrentligt centrum), ikke det "
        "udpegede område"
    ),
    "Almen housing area in Odense, for the city-wide list monitoring.": (
        "Almen boligområde i Odense, med i overvågningen af hele byens områder."
    ),
    "The six almene housing departments of the hard area.": (
        "Det hårde områdes seks almene boligafdelinger."
    ),
    "The four planned new quarters (names and borders illustrative).": (
        "De fire planlagte nye kvarterer (navne og grænser er illustrative)."
    ),
    "The three row-house departments along Kertemindevej.": (
        "De tre rækkehusafdelinger langs Kertemindevej."
    ),
    "ILLUSTRATIVE land data of the reference dataset (data/kort/land.py): the company's "
    "totals follow its public figures; plots, statuses, rights and sale data are chosen.": (
        "ILLUSTRATIVE arealdata i referencedatasættet: selskabets totaler følger dets "
        "offentlige tal; salgsfelter, status, byggeretter og salgsdata er valgt."
    ),
}


def danish(text: str | None) -> str | None:
    """The bundled dataset's English metadata in Danish; any other text as it is."""
    if text is None:
        return None
    return _REFERENCE_TEXTS_DA.get(" ".join(text.split()), text)


MONTHS_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip


def danish_date(value: dt.date | dt.datetime | str | None) -> str:
    """A date, a datetime (shown in Danish time) or its ISO text as the pages and reports
    write it: '5. november 2024'; '–' for none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        from gis.record import LOCAL

        value = value.astimezone(LOCAL)
    return f"{value.day}. {MONTHS_DA[value.month - 1]} {value.year}"


# What one row of a quarter set is, by the set's slug (the header over its rows).
QUARTER_SET_UNIT = {"kvarterer": "Kvarter", "afdelinger": "Boligafdeling"}


def quarter_set_unit(slug: str | None) -> str:
    return QUARTER_SET_UNIT.get(slug or "", "Del af området")
