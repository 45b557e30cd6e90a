"""The program page in a real headless Chromium against a real server: no console error,
Danish only, the ten delprogrammer, the graph and the chart drawn, reachable by keyboard."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

# Codes and English words that must never reach the Danish page's visible text.
ENGLISH = (
    "not_met",
    "no_data",
    "no_target",
    "suppressed",
    "improving",
    "worsening",
    "unchanged",
    "milestone",
    "target",
    "dependency",
    "synergy",
    "not_reported",
    "hard_ghetto",
    "None",
    "null",
)


def test_the_program_page(ref_server, page, console) -> None:
    page.goto(f"{ref_server.url}/kort/program")
    assert console.errors == []
    text = page.locator("body").inner_text()
    words = set(re.findall(r"[A-Za-z_]+", text))
    assert not words & set(ENGLISH), words & set(ENGLISH)
    assert page.locator("section.delprogram").count() == 10
    assert page.locator("svg.program-graph circle").count() == 10
    assert page.locator("svg.program-graph").is_visible()
    assert page.locator("svg.employment-chart polyline").count() >= 3
    assert "Beskæftigelsessporet" in text and "undertrykt (under 5)" in text
    # The keyboard reaches the links to each delprogram and opens an indsats table.
    summary = page.locator("#job-og-uddannelse details.indsats-list summary")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if page.evaluate(
            "document.activeElement.closest('#job-og-uddannelse details.indsats-list') !== null"
        ):
            break
    assert "Vollsmose i job og uddannelse" in reached
    assert summary.evaluate("s => s === document.activeElement")
    page.keyboard.press("Enter")
    assert page.locator("#job-og-uddannelse table.indsatser").is_visible()
    # The values year by year, behind their own summary.
    values = page.locator("#job-og-uddannelse details.values")
    values.locator("summary").click()
    assert "2019: 1.734 (planen)" in values.inner_text()
