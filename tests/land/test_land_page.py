"""The sellable-land page: the company's question typed into the form, answered on a map, in
a table and in totals that are the API's own; a refused filter shows the API's problem."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from tests.criteria.conftest import criteria_server  # noqa: F401  (the reference server)
from tests.maps.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow

QUESTION = {
    "available_by": "2026",
    "use": "housing",
    "min_area": "2000",
    "max_walk_to_stop": "500",
}


def _visit(url: str) -> dict:
    from playwright.sync_api import sync_playwright

    seen: dict = {"errors": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(15000)
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        page.goto(f"{url}/kort/arealer")
        # Fill the form as a user would, and submit it.
        page.fill("input[name=available_by]", QUESTION["available_by"])
        page.select_option("select[name=use]", QUESTION["use"])
        page.fill("input[name=min_area]", QUESTION["min_area"])
        page.fill("input[name=max_walk_to_stop]", QUESTION["max_walk_to_stop"])
        page.click("#filtre button[type=submit]")
        page.wait_for_function("document.body.dataset.rendered || document.body.dataset.failed")
        seen["failed"] = page.evaluate("document.body.dataset.failed || null")
        seen["drawn"] = page.evaluate("window.arealer.drawn()")
        seen["rows"] = page.eval_on_selector_all(
            "#arealer-tabel tbody tr", "rs => rs.map(r => r.dataset.label)"
        )
        seen["count"] = page.locator("#sum-count").inner_text()
        seen["csv"] = page.get_attribute("#csv", "href")
        seen["legend"] = page.locator("#legend").inner_text()
        seen["footer"] = page.locator("footer.note").inner_text()
        page.goto(f"{url}/kort/arealer?min_area=lots")
        page.wait_for_function("document.body.dataset.rendered || document.body.dataset.failed")
        seen["problem"] = page.locator("#problem").inner_text()
        browser.close()
    return seen


def test_the_page_answers_the_company_question_as_the_api_does(criteria_server) -> None:  # noqa: F811
    url = criteria_server.url
    with urllib.request.urlopen(f"{url}/land/sellable?{urlencode(QUESTION)}") as r:
        answer = json.load(r)
    labels = sorted(f["properties"]["plot_label"] for f in answer["features"])
    assert labels, "the bundled data should hold plots that answer the question"
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_visit, url).result()
    assert seen["failed"] is None and seen["errors"] == []
    assert sorted(d["label"] for d in seen["drawn"]) == labels
    assert sorted(seen["rows"]) == labels
    assert int(seen["count"]) == answer["summary"]["count"] == len(labels)
    assert "f=csv" in seen["csv"] and "min_area=2000" in seen["csv"]
    assert "Illustrativt" in seen["legend"] and "Referencedata" in seen["footer"]
    assert "min_area" in seen["problem"]
