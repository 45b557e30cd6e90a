"""Danish words for the criteria answers (the lists are Danish legal terms)."""

from __future__ import annotations

INDICATOR_DA = {
    "outside_work": "uden for arbejdsmarked og uddannelse (18–64 år)",
    "convicted": "dømte (18 år+)",
    "basic_school": "kun grundskole (30–59 år)",
    "income": "gennemsnitsindkomst i forhold til regionen",
    "non_western": "ikke-vestlig baggrund",
}
SHORT_DA = {
    "outside_work": "uden for arbejdsmarkedet",
    "convicted": "dømte",
    "basic_school": "kun grundskole",
    "income": "indkomst",
    "non_western": "ikke-vestlig baggrund",
}
NO_LIST_DA = "ingen liste"
UNKNOWN_DA = "kan ikke afgøres"
NO_DATA_DA = "ingen data"
# Where a figure comes from (the API's provenance kinds), as the pages and the report say it.
PROVENANCE_DA = {
    "plan": "planen",
    "register": "offentliggjort listeværdi",
    "import": "importeret",
    "illustrative": "illustrativ (opfundet til demonstration)",
    None: "ingen data",
}
NO_RULES_DA = "ingen listeregler"


def pct(value: float | None, digits: int = 1) -> str:
    """49.5 -> '49,5 %' (Danish decimal comma)."""
    return "–" if value is None else f"{value:.{digits}f} %".replace(".", ",")


def number(value: int | None) -> str:
    return "–" if value is None else f"{value:,}".replace(",", ".")


# The map's colours by status key, most severe first; approaching is drawn as a dashed
# outline in the colour of the list approached. Keys of lists that share a lineage share one.
STATUS_STYLE = [
    {
        "keys": ["omdannelsesomraade", "haard_ghetto"],
        "label": "omdannelsesområde / hårdt ghettoområde",
        "colour": "#99000d",
    },
    {
        "keys": ["parallelsamfund", "ghetto"],
        "label": "parallelsamfund / ghettoområde",
        "colour": "#e34a33",
    },
    {"keys": ["udsat"], "label": "udsat boligområde", "colour": "#fd8d3c"},
    {"keys": ["forebyggelsesomraade"], "label": "forebyggelsesområde", "colour": "#fed976"},
    {"keys": ["none"], "label": "ingen liste", "colour": "#c7e9c0"},
    {"keys": ["unknown"], "label": "kan ikke afgøres (mangler data)", "colour": "#bdbdbd"},
    {"keys": ["no_data"], "label": "ingen data for året", "colour": "#e0e0e0"},
    {"keys": ["no_rules"], "label": "ingen listeregler i året", "colour": "#f0f0f0"},
]
