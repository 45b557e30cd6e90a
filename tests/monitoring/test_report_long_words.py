"""The HTML status report as a planner's texts make it, in a real headless Chromium against
a real server over a writable copy of the reference data: a long unbroken word in an
explanation or a decision (a link, a case number) breaks instead of widening the page, and
the texts are dated in Danish ("5. november 2024"), not ISO."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest

from gis import record

pytestmark = pytest.mark.slow

AREA = "/areas/vollsmose/report"
BEHIND_ITEM = "genhusning-civica"  # behind plan on 1 January 2025
LONG = "https://odense.dk/" + "sagsnummer" * 20  # 218 characters, no break
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def write(server, token: str, method: str, path: str, body: dict) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        return c.request(
            method,
            path,
            content=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )


@pytest.fixture(scope="module")
def written(writable_server, writable_ref) -> None:
    planner = writable_ref.tokens["planner"]
    r = write(
        writable_server,
        planner,
        "PUT",
        f"{AREA}/2025/explanations/{BEHIND_ITEM}",
        {"text": f"Genhusningen venter, se {LONG}"},
    )
    assert r.status_code in (200, 201), r.text
    r = write(
        writable_server,
        planner,
        "POST",
        f"{AREA}/2025/decisions",
        {"title": "Lokalplan vedtaget", "text": f"Se {LONG}", "decided_on": "2024-11-05"},
    )
    assert r.status_code == 201, r.text


def page_width(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_a_long_word_breaks_instead_of_widening_the_report(
    request, writable_server, written, console, screen
):
    pg = request.getfixturevalue(screen)
    pg.goto(f"{writable_server.url}{AREA}?year=2025")
    pg.locator("#forklaringer dd", has_text="Genhusningen venter").wait_for()
    width, inner = page_width(pg)
    assert inner == (1400 if screen == "page" else 390)
    assert width <= inner, (width, inner)
    for selector in ("#forklaringer dd", "#beslutninger li"):
        right = pg.locator(selector).first.evaluate("e => e.getBoundingClientRect().right")
        assert right <= inner, (selector, right)
    assert console.errors == []


def test_the_report_dates_its_texts_in_danish(page, writable_server, written, console):
    page.goto(f"{writable_server.url}{AREA}?year=2025")
    explanation = page.locator("#forklaringer dd", has_text="Genhusningen venter").inner_text()
    today = dt.datetime.now(record.LOCAL).date()
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december"]  # fmt: skip
    assert f"{today.day}. {months[today.month - 1]} {today.year})" in explanation, explanation
    decision = page.locator("#beslutninger li", has_text="Lokalplan vedtaget").inner_text()
    assert decision.startswith("5. november 2024: Lokalplan vedtaget"), decision
    assert not ISO.search(explanation) and not ISO.search(decision)
    assert console.errors == []
