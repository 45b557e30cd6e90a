"""The viewer's editor speaks Danish only, in a real headless Chromium against a real server
over a writable copy of the reference data: the properties the form does not edit are named
in Danish (not `source_id`), the dwellings rows' screen-reader labels are the columns' Danish
names (not `tenure`), and the history names the role of who changed it in Danish."""

from __future__ import annotations

import re

import pytest

from tests.maps.test_viewer_editing import (
    EGEPARKEN_BLOK_4,
    api,
    log_in,
    open_in_editor,
    open_viewer,
)

pytestmark = pytest.mark.slow

RAW = re.compile(r"^[a-z]+(_[a-z0-9]+)+$|^(tenure|dwellings|change|decided)$")


def test_the_editor_names_properties_labels_and_roles_in_danish(
    page, writable_server, writable_ref, console
):
    fid = EGEPARKEN_BLOK_4
    with api(writable_server, writable_ref.tokens["planner"]) as c:
        read = c.get(f"/collections/buildings/items/{fid}")
        r = c.patch(
            f"/collections/buildings/items/{fid}",
            params={"note": "En etage mere"},
            headers={
                "If-Match": read.headers["ETag"],
                "Content-Type": "application/merge-patch+json",
            },
            json={"properties": {"storeys": (read.json()["properties"]["storeys"] or 0) + 1}},
        )
    if r.status_code == 405:
        pytest.skip("PATCH /collections/buildings/items/{id} is not on the platform yet")
    assert r.status_code == 200, r.text

    open_viewer(page, writable_server, "?year=2025")
    log_in(page, writable_ref.tokens["planner"])
    open_in_editor(page, writable_server, fid, None)

    # "Øvrige egenskaber": each property by a Danish name.
    page.locator("#edit-form .other-props summary").click()
    names = page.locator("#edit-form .other-props th").all_inner_texts()
    keys = page.locator("#edit-form .other-props th").evaluate_all(
        "ths => ths.map(t => t.dataset.key)"
    )
    assert "source_id" in keys and "bbr_use_code" in keys, keys
    assert [n for n in names if RAW.match(n)] == [], names
    by_key = dict(zip(keys, names, strict=True))
    assert by_key["source_id"] == "Kilde-id"
    assert by_key["bbr_use_code"] == "BBR-anvendelseskode"
    if "source_register" in by_key:
        assert by_key["source_register"] == "Kilderegister"

    # The dwellings rows: each cell's label is its column's Danish name.
    labels = page.locator("[data-row='0'] [aria-label]").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert "Ejerform" in labels and "Etageareal (m²)" in labels, labels
    assert [x for x in labels if RAW.match(x)] == [], labels

    # The history: the role in Danish.
    page.locator("#history summary").click()
    newest = page.locator("#history li").first
    newest.wait_for()
    assert "(planlægger)" in newest.inner_text(), newest.inner_text()
    assert "(planner)" not in page.locator("#edit-form").inner_text()
    assert console.errors == []
