"""The map pages that fetch their data after the page (the land company's plots, the lists'
status, the rehousing map) say so while it loads and say in Danish when it cannot be had,
with a way to try again, as /kort does: never a blank map. In a real headless Chromium
against a real server over the reference data; only the data answer is held back or made to
fail, in the browser."""

from __future__ import annotations

import html
import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.slow

# page, the id of its config, the config's data URLs the page draws from, what it is called
PAGES = [
    ("/kort/arealer", "arealer-config", ("data",), "Arealerne"),
    ("/kort/lister?year=2025", "lister-config", ("data",), "Listestatus"),
    (
        "/kort/omraader/vollsmose/genhusning?year=2026",
        "genhusning-config",
        ("areas", "replacement"),
        "Kortets data",
    ),
]


def data_urls(server, path: str, config_id: str, keys: tuple[str, ...]) -> list[str]:
    with urllib.request.urlopen(server.url + path, timeout=30) as r:
        page = r.read().decode()
    m = re.search(rf'<script id="{config_id}" type="application/json">(.*?)</script>', page, re.S)
    config = json.loads(html.unescape(m.group(1)))
    return [server.url + config[k] for k in keys]


def matcher(urls: list[str]):
    return lambda url: any(url.startswith(u) for u in urls)


@pytest.mark.parametrize(("path", "config_id", "keys", "what"), PAGES)
def test_a_failed_answer_is_said_in_danish_and_can_be_tried_again(
    page, ref_server, console, path, config_id, keys, what
):
    urls = data_urls(ref_server, path, config_id, keys)
    failing = matcher(urls[-1:])
    # A 500 whose body is not JSON (a proxy's page): r.json() would throw.
    page.route(
        failing,
        lambda route: route.fulfill(
            status=500, body="<html>Internal Server Error</html>", content_type="text/html"
        ),
    )
    page.goto(ref_server.url + path)
    problem = page.locator("#problem")
    problem.wait_for()
    assert problem.inner_text().startswith(f"{what} kunne ikke hentes – prøv igen")
    assert problem.get_attribute("aria-live") and problem.get_attribute("role") == "alert"
    assert page.locator("#loading").is_hidden()
    assert "rendered" not in page.evaluate("Object.keys(document.body.dataset)")

    # The server is back: "Prøv igen" draws the page.
    page.unroute(failing)
    page.get_by_role("button", name="Prøv igen").click()
    page.wait_for_function("() => document.body.dataset.rendered")
    assert problem.is_hidden()
    errors = [e for e in console.errors if "status of 500" not in e]
    assert errors == []


@pytest.mark.parametrize(("path", "config_id", "keys", "what"), PAGES)
def test_a_slow_answer_is_said_while_it_loads(
    page, ref_server, console, path, config_id, keys, what
):
    held = []
    page.route(matcher(data_urls(ref_server, path, config_id, keys)), lambda r: held.append(r))
    page.goto(ref_server.url + path)
    loading = page.locator("#loading")
    for _ in range(200):  # the page asked for its data, and waits
        if len(held) == len(keys):
            break
        page.wait_for_timeout(50)
    assert len(held) == len(keys)
    assert loading.is_visible()
    assert loading.inner_text().startswith("Henter")
    assert loading.get_attribute("aria-live") == "polite"
    for route in held:
        route.continue_()
    page.wait_for_function("() => document.body.dataset.rendered")
    assert loading.is_hidden()
    assert console.errors == []
