"""Danish words for the program's codes, shown on the page and in charts."""

from __future__ import annotations

ILLUSTRATIVE_DA = (
    "Delprogrammer, ønskede effekter, indikatorer og indsatser er planens egne "
    "(Realiseringsplanen 2020); tal markeret illustrativt er opfundet til demonstration. "
    "Tal under 5 personer vises aldrig."
)
SCOPE = {
    "hard_ghetto": "det hårde ghettoområde",
    "vollsmose": "hele Vollsmose",
    "odense": "hele Odense",
}
PHASE = {
    "nyorientering": "Nyorientering (2019–2022)",
    "omdannelse": "Omdannelse (2023–2026)",
    "fremtidens_vollsmose": "Fremtidens Vollsmose (2027–2030)",
    None: "Hele perioden",
}
STATUS = {
    "met": "nået",
    "not_met": "ikke nået",
    "no_target": "intet mål i året",
    "no_data": "ingen data",
    "suppressed": "undertrykt (under 5)",
}
TREND = {"improving": "bedre", "worsening": "dårligere", "unchanged": "uændret", None: "–"}
PROVENANCE = {
    "plan": "planen",
    "register": "register",
    "import": "indlæst",
    "illustrative": "illustrativt",
}
INDSATS_STATUS = {
    "not_reported": "ikke indberettet",
    "planned": "planlagt",
    "running": "i gang",
    "done": "gennemført",
    "paused": "sat i bero",
}
KIND = {"target": "mål", "milestone": "delmål"}
UNIT = {"percent": " %", "count": "", "per_100": " pr. 100", "number": "", "points": " %-point"}


def number(value: float | None, unit: str = "number") -> str:
    """A value the Danish way (decimal comma, thousands point), with its unit."""
    if value is None:
        return "–"
    if unit == "count" or float(value).is_integer():
        text = f"{value:,.0f}".replace(",", ".")
    else:
        text = f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return text + UNIT.get(unit, "")
