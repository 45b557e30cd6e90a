"""The sellable-land page: the company's question typed into the form, answered on a map, in
a table and in totals that are the API's own; a refused filter shows the API's problem."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.slow

QUESTION = {
    "available_by": "2026",
    "use": "housing",
    "min_area": "2000",
    "max_walk_to_stop": "500",
}


def _visit(page, url: str) -> dict:
    seen: dict = {}
    page.goto(f"{url}/kort/arealer")
    # Fill the form as a user would, and submit it.
    page.fill("input[name=available_by]", QUESTION["available_by"])
    page.select_option("select[name=use]", QUESTION["use"])
    page.fill("input[name=min_area]", QUESTION["min_area"])
    page.fill("input[name=max_walk_to_stop]", QUESTION["max_walk_to_stop"])
    page.click("#filtre button[type=submit]")
    page.wait_for_function("() => document.body.dataset.rendered || document.body.dataset.failed")
    seen["failed"] = page.evaluate("document.body.dataset.failed || null")
    seen["drawn"] = page.evaluate("window.arealer.drawn()")
    seen["rows"] = page.eval_on_selector_all(
        "#arealer-tabel tbody tr", "rs => rs.map(r => r.dataset.label)"
    )
    seen["count"] = page.locator("#sum-count").inner_text()
    seen["csv"] = page.get_attribute("#csv", "href")
    seen["legend"] = page.locator("#legend").inner_text()
    seen["footer"] = page.locator("footer.note").inner_text()
    return seen


def test_the_page_answers_the_company_question_as_the_api_does(ref_server, page, console) -> None:
    url = ref_server.url
    with urllib.request.urlopen(f"{url}/land/sellable?{urlencode(QUESTION)}") as r:
        answer = json.load(r)
    labels = sorted(f["properties"]["plot_label"] for f in answer["features"])
    assert labels, "the bundled data should hold plots that answer the question"
    seen = _visit(page, url)
    assert seen["failed"] is None and console.errors == []
    assert sorted(d["label"] for d in seen["drawn"]) == labels
    assert sorted(seen["rows"]) == labels
    assert int(seen["count"]) == answer["summary"]["count"] == len(labels)
    assert "f=csv" in seen["csv"] and "min_area=2000" in seen["csv"]
    assert "Illustrativt" in seen["legend"] and "Referencedata" in seen["footer"]


def test_a_refused_filter_shows_the_problem(ref_server, page) -> None:
    page.goto(f"{ref_server.url}/kort/arealer?min_area=lots")
    page.wait_for_function("() => document.body.dataset.rendered || document.body.dataset.failed")
    text = page.locator("#problem").inner_text()
    # Named by the form's Danish label, not the API's English detail.
    assert "»Min. areal (m²)« er ikke gyldig" in text
    assert "must" not in text and "min_area" not in text
