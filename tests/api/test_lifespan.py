"""What the app does at start and stop beyond its engines: the garbage collector freeze."""

from __future__ import annotations

import gc

from tests.support import make_client


def test_startup_freezes_what_it_made_and_stop_releases_it(database_url):
    gc.unfreeze()
    with make_client(database_url, gc_freeze=True) as client:
        assert gc.get_freeze_count() > 0
        assert client.get("/conformance").status_code == 200
    assert gc.get_freeze_count() == 0


def test_no_freeze_when_switched_off(database_url):
    gc.unfreeze()
    with make_client(database_url, gc_freeze=False):
        assert gc.get_freeze_count() == 0
