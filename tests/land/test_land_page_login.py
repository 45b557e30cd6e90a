"""The sellable-land page with a login, in a real headless Chromium against a real server over
a writable copy of the reference data: the land company logs in with its token (or brings
the viewer's login along, the same sessionStorage key), the page sends it on the plots and
their downloads, and shows the confidential sale data in Danish in the table and popups;
the public and a planner see none of it anywhere on the page; a token no longer good logs
out; and a refused filter is said in Danish at its own field."""

from __future__ import annotations

import csv
import io
import re
import sqlite3

import pytest

from tests.maps.test_viewer_edit_messages import ENGLISH, fresh_token, revoke

pytestmark = pytest.mark.slow

# Plot 70 of the reference data: under option, with a price, a holder and dates.
PLOT = "70"
HOLDER = "Vollsmose Byudvikling P/S"
SECRETS = re.compile(
    r"kr\.|Vollsmose Byudvikling|Privat udlejer|Ejerforening|Optionshaver|Pris|Køber"
)
WAIT = "() => document.body.dataset.rendered || document.body.dataset.failed"


def open_page(page, server, query: str = "?status=any") -> None:
    page.goto(f"{server.url}/kort/arealer{query}")
    page.wait_for_function(WAIT)


def log_in(page, token: str) -> None:
    page.get_by_role("button", name="Log ind").click()
    page.locator("#login-token").fill(token)
    page.locator("#login-form button[type=submit]").click()
    page.locator("#login-state").wait_for()
    page.wait_for_function("() => document.body.dataset.sale && document.body.dataset.rendered")


def cell(page, label: str, field: str) -> str:
    row = page.locator(f"#arealer-tabel tr[data-label='{label}']")
    return row.locator(f"td[data-field='{field}']").inner_text()


def popup_text(page, label: str) -> str:
    page.evaluate(
        """(label) => window.arealer.map.eachLayer((l) => {
             if (l.feature && l.feature.properties.plot_label === label) l.openPopup();
           })""",
        label,
    )
    return page.locator(".leaflet-popup-content").inner_text()


def downloaded(page, link: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.locator(link).click()
    d = info.value
    with open(d.path(), "rb") as f:
        return d.suggested_filename, f.read()


def test_the_company_logs_in_and_sees_its_sale_data(page, writable_server, writable_ref, console):
    asked: list[dict] = []
    page.on(
        "request",
        lambda r: asked.append(r.headers) if "/land/sellable" in r.url else None,
    )
    open_page(page, writable_server)
    assert page.locator("th.sale").count() == 0
    token = writable_ref.tokens["developer_company"]
    log_in(page, token)
    assert page.locator("#login-role").inner_text() == "udviklingsselskab"
    assert page.evaluate("sessionStorage.getItem('vollsmose.token')") == token
    assert asked[-1].get("authorization") == f"Bearer {token}"
    heads = page.locator("#arealer-tabel thead th.sale").all_inner_texts()
    assert heads == [
        "Pris",
        "Optionshaver",
        "Køber",
        "Udbudt den",
        "Option givet den",
        "Option udløber",
        "Solgt den",
    ]
    assert cell(page, PLOT, "price_dkk") == "5.830.000 kr."
    assert cell(page, PLOT, "option_holder").startswith(HOLDER)
    assert cell(page, PLOT, "offered_date") == "1. februar 2025"
    assert cell(page, PLOT, "option_expires") == "1. maj 2027"
    assert cell(page, PLOT, "sold_date") == "–"
    said = popup_text(page, PLOT)
    assert "Pris: 5.830.000 kr." in said and f"Optionshaver: {HOLDER}" in said
    assert "Option givet den: 1. maj 2025" in said and "Køber" not in said
    assert console.errors == []
    # Logging out shows the page as to all again.
    page.locator("#logout").click()
    page.wait_for_function("() => document.body.dataset.sale === 'none'")
    assert page.locator("th.sale").count() == 0 and "authorization" not in asked[-1]
    # The open popup closed (Leaflet fades it out, then removes it).
    page.wait_for_function("() => !document.querySelector('.leaflet-popup')")
    body = page.locator("body").inner_text()
    m = SECRETS.search(body)
    assert not m, body[max(0, m.start() - 200) : m.end() + 50]


def test_a_login_in_the_viewer_carries_over(page, writable_server, writable_ref):
    page.goto(f"{writable_server.url}/kort")
    page.get_by_role("button", name="Log ind").click()
    page.locator("#login-token").fill(writable_ref.tokens["developer_company"])
    page.locator("#login-form button[type=submit]").click()
    page.locator("#login-state").wait_for()
    open_page(page, writable_server)
    page.wait_for_function("() => document.body.dataset.sale === 'shown'")
    assert page.locator("#login-state").is_visible()
    assert cell(page, PLOT, "price_dkk") == "5.830.000 kr."


def test_the_company_downloads_its_sale_data(page, writable_server, writable_ref, tmp_path):
    open_page(page, writable_server)
    log_in(page, writable_ref.tokens["developer_company"])
    name, body = downloaded(page, "#csv")
    assert name.startswith("sellable-") and name.endswith(".csv"), name
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    row = next(r for r in rows if r["plot_label"] == PLOT)
    assert float(row["price_dkk"]) == 5830000 and row["option_holder"].startswith(HOLDER)
    name, body = downloaded(page, "#gpkg")
    assert name.endswith(".gpkg"), name
    path = tmp_path / name
    path.write_bytes(body)
    with sqlite3.connect(path) as db:
        price = db.execute("SELECT price_dkk FROM sellable WHERE plot_label = ?", (PLOT,))
        assert price.fetchone()[0] == 5830000


@pytest.mark.parametrize("role", [None, "planner"])
def test_the_public_and_a_planner_see_no_sale_data(page, writable_server, writable_ref, role):
    open_page(page, writable_server)
    if role:
        log_in(page, writable_ref.tokens[role])
        assert "planlægger" in page.locator("#login-note").inner_text()
    assert page.evaluate("document.body.dataset.sale") == "none"
    assert page.locator(".sale, [data-field]").count() == 0
    assert not SECRETS.search(page.locator("body").inner_text())
    assert not SECRETS.search(popup_text(page, PLOT))
    name, body = downloaded(page, "#csv")
    assert b"price_dkk" not in body and b"option_holder" not in body and HOLDER.encode() not in body


def test_a_token_no_longer_good_logs_out(page, writable_server, writable_ref):
    name, secret = fresh_token(writable_ref, "developer_company")
    open_page(page, writable_server)
    log_in(page, secret)
    assert page.locator("th.sale").count() == 7
    revoke(writable_ref, name)
    # A download with it is refused: logged out, told why, the sale data gone.
    page.locator("#csv").click()
    page.locator("#login-error", has_text="gælder ikke længere").wait_for()
    page.wait_for_function("() => document.body.dataset.sale === 'none'")
    assert page.evaluate("sessionStorage.getItem('vollsmose.token')") is None
    assert page.locator("#login-open").is_visible() and page.locator("th.sale").count() == 0
    # A kept token already revoked is checked as the page opens.
    page.evaluate(f"sessionStorage.setItem('vollsmose.token', '{secret}')")
    open_page(page, writable_server)
    page.locator("#login-error", has_text="gælder ikke længere").wait_for()
    page.wait_for_function("() => document.body.dataset.sale === 'none'")
    assert not SECRETS.search(page.locator("body").inner_text())


@pytest.mark.parametrize(
    ("query", "field", "said"),
    [
        ("?min_area=lots", "min_area", "Angiv et areal i m²: et tal, 0 eller mere."),
        ("?min_area=500&max_area=100", "max_area", "Maks. areal må ikke være mindre end min."),
        ("?filter=price_dkk%3E1", "filter", "Filteret kunne ikke forstås."),
        ("?within=nowhere", "within", "Angiv et kvarters navn, eller en polygon"),
    ],
)
def test_a_refused_filter_is_said_at_its_field(page, writable_server, query, field, said):
    open_page(page, writable_server, query)
    assert page.evaluate("document.body.dataset.rendered") == "problem"
    field_input = page.locator(f"#filtre [name={field}]")
    assert field_input.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#filtre label:has([name={field}]) .field-error")
    assert error.count() == 1
    assert field_input.get_attribute("aria-describedby") == error.get_attribute("id")
    text = error.inner_text()
    assert text.startswith(said), text
    assert not ENGLISH.search(text) and field not in text
    # Only the refused field is marked; typing in it clears the mark.
    assert page.locator("#filtre [aria-invalid=true]").count() == 1
    field_input.fill("1")
    assert field_input.get_attribute("aria-invalid") is None
    assert page.locator("#filtre .field-error").count() == 0


def test_every_confidential_field_has_a_danish_label():
    from api.routes.land_page import SALE_DA
    from gis.land.confidential import CONFIDENTIAL_FIELDS

    assert set(SALE_DA) == set(CONFIDENTIAL_FIELDS)
