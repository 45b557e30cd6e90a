"""Rendering gives back what it takes: a real server's memory after a run of print maps,
GeoTIFFs and report PDFs is what it was before (they are drawn in a worker process,
`gis.render.worker`), and the workers themselves go once idle.

Before the worker, eight renders left the server 130-190 MB larger for good.
"""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from benchmarks.serving import children, rss_mb
from gis.record import CURRENT
from gis.render import worker
from tests.maps import kort_data
from tests.support import Server, prepared_database, start_app, stop_server

# What the server may grow by over the renders: its own answers' buffers, not a drawing.
BOUND_MB = 40
RENDERS = [
    "/maps/fremtidsbillede/2030.png?area=testby",
    "/maps/fremtidsbillede/2025.pdf?area=testby",
    "/maps/fremtidsbillede/2030.tif?area=testby",
    "/maps/fremtidsbillede/2030.png?area=testby&dpi=300",
    "/areas/testby/report?year=2025&f=pdf",
]


@pytest.fixture(scope="module")
def kort_url(new_database) -> str:
    return prepared_database(new_database, kort_data.load)


@pytest.fixture(scope="module")
def server(kort_url, tmp_path_factory) -> Iterator[Server]:
    url = kort_url
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOLLSMOSE_RENDER_IDLE_SECONDS", "1")
        mp.setenv("VOLLSMOSE_RENDER_TASKS_PER_WORKER", "5")
        s = start_app(
            url, tmp_path_factory.mktemp("kort"), tmp_path_factory.mktemp("log") / "s.log"
        )
    yield s
    stop_server(s)


def test_the_servers_memory_after_renders_is_what_it_was_before(server):
    pid = server.process.pid
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for _ in range(3):  # the server's own first-request costs, before the baseline
            assert c.get("/areas").status_code == 200
        before = rss_mb(pid)
        for path in RENDERS * 2:
            r = c.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            if ".png" in path:
                assert "Fremtidsbillede" in Image.open(io.BytesIO(r.content)).info["Title"]
            elif "report" in path:
                # Title, summary, share, program, progress, decisions, departments,
                # rehousing, criteria, two maps, timeline, sources, sign-off.
                assert len(PdfReader(io.BytesIO(r.content)).pages) == 14
            elif ".pdf" in path:
                assert r.content.startswith(b"%PDF")
            else:
                assert r.content[:4] in (b"II*\x00", b"MM\x00*")
        after = rss_mb(pid)
    assert after - before < BOUND_MB, f"the server grew from {before:.0f} to {after:.0f} MB"
    # The workers go once idle (1 s here), and with them what they drew with: only
    # multiprocessing's small resource tracker may stay.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [p for p in children(pid) if rss_mb(p) > 30]
        if not left:
            break
        time.sleep(0.2)
    assert not left, f"render workers still alive when idle: {left}"


def test_errors_in_the_worker_are_answered_as_in_the_server(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        for path in (
            "/maps/fremtidsbillede/2030.png?area=nowhere",
            "/maps/fremtidsbillede/2030.tif?area=testby&scenario=no-such",
            "/areas/nowhere/report?year=2025&f=pdf",
        ):
            r = c.get(path)
            assert r.status_code == 404, (path, r.text[:300])
            assert r.headers["content-type"] == "application/problem+json"
            assert "Traceback" not in r.text
        r = c.get("/maps/fremtidsbillede/1700.png?area=testby")
        assert r.status_code in (400, 422) and r.json()["status"] == r.status_code


def test_a_full_queue_and_a_killed_worker_are_503s_then_renders_again(kort_url):
    r = worker.Renderer(worker.RenderSettings(workers=1, queue=0, idle_seconds=60))
    job = worker.map_job(kort_url, CURRENT, "testby", 2030, "png", dpi=300)
    try:
        first = r.submit(job)
        with pytest.raises(worker.RendererBusy):  # the one worker busy, no room to wait
            r.submit(job)
        assert r.result(first).content.startswith(b"\x89PNG")
        # A worker killed mid-render (out of memory, say): that render is a 503, the next
        # gets a new worker.
        doomed = r.submit(job)
        assert wait_for(lambda: r.worker_pids())
        time.sleep(0.3)
        os.kill(r.worker_pids()[0], signal.SIGKILL)
        with pytest.raises(worker.RendererBusy):
            r.result(doomed)
        assert r.render(job).media_type == "image/png"
    finally:
        r.shutdown()


def test_a_backlog_across_worker_replacements_is_rendered(kort_url):
    # Python's own max_tasks_per_child stops scheduling a backlog once a worker exits at
    # its limit (CPython gh-115634): every render queued behind it hung until the timeout.
    settings = worker.RenderSettings(workers=1, tasks_per_worker=2, timeout_seconds=30)
    r = worker.Renderer(settings)
    job = worker.map_job(kort_url, CURRENT, "testby", 2030, "tif", resolution=20.0)
    try:
        futures = [r.submit(job) for _ in range(5)]
        assert all(r.result(f).content[:2] == b"II" for f in futures)
    finally:
        r.shutdown()


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
