"""The `vollsmose` command as a user runs it: a real process against a real database."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port, start_server, stop_server

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))


def run(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [VOLLSMOSE, *args], env=env, capture_output=True, text=True, timeout=120, check=check
    )


def test_tenure_mix_json(ref_database_url):
    out = run(
        ref_database_url,
        "tenure-mix",
        "--area",
        "vollsmose",
        "--year",
        "2030",
        "--quarters",
        "kvarterer",
        "--format",
        "json",
    )
    body = json.loads(out.stdout)
    assert body["area"] == "vollsmose" and body["year"] == 2030
    assert body["quarter_set"] == "kvarterer"
    assert body["total"]["compliant"] is True
    assert len(body["quarters"]) == 4


def test_tenure_mix_csv_has_quarters_and_total(ref_database_url):
    out = run(
        ref_database_url, "tenure-mix", "--area", "vollsmose", "--year", "2020", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows[-1]["quarter"] == "total"
    assert sum(int(r["dwellings_total"]) for r in rows[:-1]) == int(rows[-1]["dwellings_total"])


def test_tenure_mix_table_names_the_data_source(ref_database_url):
    out = run(ref_database_url, "tenure-mix", "--area", "vollsmose", "--year", "2025")
    assert "legal share" in out.stdout and "total" in out.stdout
    assert "Data:" in out.stdout


def test_unknown_area_exits_2_with_a_message(ref_database_url):
    out = run(ref_database_url, "tenure-mix", "--area", "atlantis", "--year", "2030", check=False)
    assert out.returncode == 2
    assert "atlantis" in out.stderr and "Traceback" not in out.stderr


def test_upgrade_then_load_if_empty_loads_once(new_database):
    url = new_database()
    run(url, "db", "upgrade")
    first = run(url, "load-reference", "--if-empty")
    assert "loaded" in first.stdout
    second = run(url, "load-reference", "--if-empty")
    assert "not loaded" in second.stdout
    run(url, "db", "upgrade")  # idempotent


@pytest.mark.slow
def test_serve_answers_on_the_port_given(ref_database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": ref_database_url, "PORT": str(port)}
    server = start_server([VOLLSMOSE, "serve"], port, env, tmp_path / "serve.log")
    try:
        url = f"{server.url}/areas/vollsmose/tenure-mix?year=2030"
        with urllib.request.urlopen(url, timeout=10) as r:
            assert json.load(r)["total"]["compliant"] is True
        # An idle keep-alive connection outlives the 5 s that clients such as httpx keep
        # theirs (keep_alive_seconds): at uvicorn's default of 5 s the server closed it
        # just as a client might send on it.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for pause in (0, 6):
                time.sleep(pause)
                conn.request("GET", "/conformance")
                r = conn.getresponse()
                r.read()
                assert r.status == 200
        finally:
            conn.close()
    finally:
        stop_server(server)
