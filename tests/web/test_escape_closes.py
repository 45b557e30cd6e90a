"""Escape closes what a button opened and gives the focus back to that button: the phone
menu, the phone legend and the viewer's login box, in a real headless Chromium against a
real server over the reference data."""

from __future__ import annotations

import pytest

from tests.web.test_pages import _wait

pytestmark = pytest.mark.slow


def focused_is(page, selector: str) -> bool:
    return page.evaluate(f"() => document.activeElement === document.querySelector('{selector}')")


def test_escape_closes_the_phone_menu_and_the_legend(phone, ref_server, console):
    phone.goto(ref_server.url + "/kort")
    _wait(phone)
    links = phone.locator("nav.site-menu ul a")
    phone.locator(".menu-toggle").click()
    assert links.first.is_visible()
    phone.keyboard.press("Escape")
    assert not links.first.is_visible()
    assert phone.locator(".menu-toggle").get_attribute("aria-expanded") == "false"
    assert focused_is(phone, ".menu-toggle")

    phone.locator("#legend-toggle").click()
    assert phone.locator("#legend").is_visible()
    phone.keyboard.press("Escape")
    assert not phone.locator("#legend").is_visible()
    assert phone.locator("#legend-toggle").get_attribute("aria-expanded") == "false"
    assert focused_is(phone, "#legend-toggle")
    assert console.errors == []


def test_escape_closes_the_login_box(page, ref_server, console):
    page.goto(ref_server.url + "/kort")
    _wait(page)
    page.get_by_role("button", name="Log ind").click()
    assert page.locator("#login-token").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#login-token").is_visible()
    assert focused_is(page, "#login-open")
    assert console.errors == []
