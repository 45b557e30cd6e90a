"""Counts on the Danish pages carry Danish thousands separators ("1.763 af 5.442", never
"1763 af 5442"): the viewer's share panel and the area page's tables, in a real headless
Chromium against a real server over the reference data."""

from __future__ import annotations

import re

import pytest

from tests.maps.test_viewer_editing import open_viewer

pytestmark = pytest.mark.slow

BARE = re.compile(r"\d{4,}")  # four digits or more without a separator
DANISH = re.compile(r"^\d{1,3}(\.\d{3})* af \d{1,3}(\.\d{3})+ ")


def test_the_share_panel_counts_with_thousands_separators(page, ref_server, console):
    open_viewer(page, ref_server, "?year=2020")
    said = page.locator("#share-panel .share-count").inner_text()
    assert DANISH.match(said), said
    assert not BARE.search(said), said
    assert console.errors == []


def test_the_area_pages_tables_count_with_thousands_separators(page, ref_server, console):
    page.goto(f"{ref_server.url}/kort/omraader/vollsmose")
    cells = page.locator("table.mix:not(.trajectory) tbody td, table.mix:not(.trajectory) tfoot th")
    texts = cells.all_inner_texts()
    assert any("." in t for t in texts), texts  # the area has more than 999 dwellings
    assert [t for t in texts if BARE.search(t)] == []
    # Year by year: every column but the year itself.
    rows = page.locator("table.trajectory tbody tr").evaluate_all(
        "trs => trs.map(tr => [...tr.cells].slice(1).map(td => td.textContent))"
    )
    assert [r for r in rows if any(BARE.search(t) for t in r)] == []
    assert console.errors == []
