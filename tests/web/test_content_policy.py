"""The pages run only the platform's own script files (Content-Security-Policy script-src
'self'): every page, Swagger UI and the OGC pages load without one refusal, and markup that
slipped past the escaping runs nothing."""

from __future__ import annotations

import pytest

from tests.web.test_pages import PAGES, _wait

pytestmark = pytest.mark.slow

# Each refusal the policy makes, kept where the test can read it.
WATCH = """
window.__refused = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__refused.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    return page


# Besides the Danish pages (whose console test_pages reads), Swagger UI and the OGC pages.
OTHERS = ["/docs", "/?f=html", "/collections/buildings?f=html"]


@pytest.mark.parametrize("path", [*PAGES, *OTHERS])
def test_page_needs_nothing_the_policy_refuses(watched, ref_server, console, path):
    response = watched.goto(ref_server.url + path)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    _wait(watched)
    if path == "/docs":
        # Swagger UI drew the operations from /openapi.json.
        watched.locator(".opblock").first.wait_for()
    assert watched.evaluate("window.__refused") == [], path
    if path in OTHERS:
        assert console.errors == [], console.errors


def test_markup_that_slipped_past_the_escaping_runs_nothing(watched, ref_server):
    watched.goto(ref_server.url + "/kort/arealer")
    _wait(watched)
    watched.evaluate(
        """() => {
          const box = document.createElement('div');
          box.innerHTML = '<img src="data:," onerror="window.__ran = 1">'
                        + '<a id="js-link" href="javascript:window.__ran = 2">x</a>';
          document.body.append(box);
          const s = document.createElement('script');
          s.textContent = 'window.__ran = 3';
          document.body.append(s);
        }"""
    )
    watched.locator("#js-link").click()
    watched.wait_for_function("() => window.__refused.length >= 3")
    assert watched.evaluate("window.__ran") is None
    refused = watched.evaluate("window.__refused")
    assert all(r.startswith("script-src") for r in refused), refused
