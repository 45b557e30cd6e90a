"""The Danish pages' words where the plan has its own: rows of boligafdelinger headed so,
sale plots as 'Salgsfelt' (a 'delområde' is a lokalplan's), the plan's 'Måske nedrives', and
the bundled dataset's English metadata shown in Danish."""

from __future__ import annotations

import re
from pathlib import Path

from gis import styles

WEB = Path(__file__).resolve().parents[2] / "web"


def _headers(html: str) -> list[str]:
    return [
        re.search(r"<th>([^<]*)</th>", t).group(1)
        for t in re.findall(r"<thead>.*?</thead>", html, re.S)
    ]


def test_area_page_heads_rows_by_what_they_are(ref_client):
    depts = ref_client.get("/kort/omraader/vollsmose?quarters=afdelinger").text
    quarters = ref_client.get("/kort/omraader/vollsmose?quarters=kvarterer").text
    assert set(_headers(depts)[:3]) == {"Boligafdeling"}
    assert set(_headers(quarters)[:3]) == {"Kvarter"}


def test_area_page_says_its_source_and_description_in_danish(ref_client):
    html = ref_client.get("/kort/omraader/vollsmose").text
    assert "Kilde: Referencedatasæt for Fremtidens Vollsmose" in html
    assert "Det hårde ghettoområde (omdannelsesområde) Vollsmose" in html
    assert "Reference dataset" not in html and "The hard ghetto area" not in html


def test_sale_plots_are_salgsfelter_not_delomraader(ref_client):
    html = ref_client.get("/kort/arealer").text
    assert "<th>Salgsfelt</th>" in html
    script = (WEB / "static" / "land" / "arealer.js").read_text()
    assert "Salgsfelt" in script
    assert "delområde" not in (html + script).lower()


def test_hatching_is_the_plans_maaske_nedrives():
    assert styles.LAYER_STYLES["buildings"].style("to_demolish").label == "Måske nedrives"


def test_danish_leaves_other_text_as_written():
    assert styles.danish("Test data, hand-made") == "Test data, hand-made"
    assert styles.danish(None) is None
    # Line breaks or doubled spaces in the stored text do not defeat the translation.
    english = next(iter(styles._REFERENCE_TEXTS_DA))
    assert styles.danish(english.replace(" ", "\n", 3)) == styles._REFERENCE_TEXTS_DA[english]
