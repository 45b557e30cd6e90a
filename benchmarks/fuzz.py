"""Schemathesis over the platform's own OpenAPI document, against a real server: server errors
and contract violations, counted.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:55432/vollsmose \\
        .venv/bin/python -m benchmarks.fuzz [--examples 100] [--seed 15] [--negative]

Loads the bundled reference data into a throwaway database (vollsmose_bench_fuzz_*, dropped
afterwards), makes a token per role, serves the platform as one uvicorn process on a loopback
port, reads `/openapi.json` from it and, for every operation, sends `--examples` requests
that Hypothesis generates from the operation's parameters and body (deterministic for a
seed): read-only operations as the public, then every operation with a planner's and an
admin's token (writes included: the database is the run's own). `--negative` also sends
requests the schema says are invalid (each must be a 4xx, never a 5xx).

Prints, per identity, the requests sent, the answers by status class, the **server errors**
(5xx: must be 0) and the **contract violations** (a status, media type or body the document
does not declare: must be 0), each with a request that reproduces it and the server log's
traceback; exits non-zero if any was found. tests/api/test_schemathesis.py runs the same
function, bounded, in `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
READS = {"GET", "HEAD"}
# uvicorn's parser (httptools) refuses a request head over 64 KiB itself, in plain text,
# before the app sees it (api.guards.MAX_TARGET says why the app's own limit stays below).
# A generated request that long (a few long strings of 4-byte characters, each sent as 12
# URL-encoded bytes) meets the transport's limit, not the API's contract: counted apart.
HEAD_LIMIT = 64 * 1024
# Path values the reference data holds. Generated ones are nearly always a 404, which says
# little; half of the requests take their path from these instead, so the fuzzer reaches the
# code behind the path (the parameters, the body) on real features.
KNOWN_PATHS: dict[str, list] = {
    "collection_id": ["buildings", "plots", "parcels", "quarters", "roads", "facilities", "areas"],
    "feature_id": ["1", "6", "40"],
    "building_id": [1, 5, 40],
    "area": ["vollsmose"],
    "quarter_set": ["kvarterer"],
    "quarter": ["torvekvarteret", "granparken"],
    "parcel_key": ["12", "9900001-1a"],
    "slug": ["vedtaget"],
    "tms": ["WebMercatorQuad"],
    "z": [14, 16],
    "x": [8700],
    "y": [5100],
    "layer": ["buildings", "parcels", "roads"],
    "year": [2020, 2030],
}


@dataclass
class Finding:
    operation: str
    kind: str  # "server error" or "violation"
    status: int
    message: str
    curl: str


@dataclass
class Counts:
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    known: list[Finding] = field(default_factory=list)  # on operations marked known

    @property
    def server_errors(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "server error"]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "violation"]


def load(base_url: str) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(base_url + "/openapi.json")


def fuzz(
    schema,
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    writes: bool = False,
    examples: int = 10,
    seed: int = 15,
    negative: int = 0,
    skip: Iterable[str] = (),
    known: dict[str, str] | None = None,
    budget: dict[str, int] | None = None,
) -> Counts:
    """Sends up to `examples` generated requests to each operation, and `negative` invalid
    ones (`budget` lowers both for named ones: "GET /maps/..."), reads only unless
    `writes`, never those in `skip`. Findings
    on an operation in `known` (name: why) are kept apart, so they neither hide a new one
    nor fail a run that reports them elsewhere."""
    counts = Counts()
    known = known or {}
    skipped = set(skip)
    modes = [(GenerationMode.POSITIVE, examples), (GenerationMode.NEGATIVE, negative)]
    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        if name in skipped or (not writes and operation.method.upper() not in READS):
            continue
        for mode, wanted in modes:
            n = min(wanted, (budget or {}).get(name, wanted))
            if n > 0:
                _run(operation, name, mode, base_url, headers, n, seed, counts, name in known)
    return counts


def _run(operation, name, mode, base_url, headers, n, seed, counts, is_known) -> None:
    seen: set[tuple[str, int]] = set()

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=n,
        derandomize=False,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: counted, not minimised
        suppress_health_check=list(HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode), st.data())
    def one(case, data) -> None:
        if case.path_parameters and data.draw(st.booleans()):
            for key in case.path_parameters:
                if key in KNOWN_PATHS:
                    case.path_parameters[key] = data.draw(st.sampled_from(KNOWN_PATHS[key]))
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=60)
        except OSError as exc:  # the connection reset or timed out: as bad as a 500
            counts.requests += 1
            counts.by_status["no answer"] += 1
            finding = Finding(name, "server error", 0, repr(exc)[:600], case.as_curl_command())
            (counts.known if is_known else counts.findings).append(finding)
            return
        counts.requests += 1
        target = response.request.path_url if response.request is not None else ""
        if response.status_code == 400 and len(target) > HEAD_LIMIT:
            counts.by_status["head over 64 KiB (refused by the HTTP server)"] += 1
            return
        counts.by_status[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                server = response.status_code >= 500
                kind = "server error" if server else "violation"
                key = (failure.title, response.status_code)
                if key in seen:
                    continue  # one of each per operation: the rest say the same
                seen.add(key)
                finding = Finding(
                    name,
                    kind,
                    response.status_code,
                    f"{failure.title}: {failure.message}"[:600],
                    case.as_curl_command(headers=headers),
                )
                (counts.known if is_known else counts.findings).append(finding)

    # Unsatisfiable: nothing to make invalid (an operation without parameters or body).
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        one()


def report(title: str, counts: Counts, log: Path | None = None) -> str:
    lines = [
        f"{title}: {counts.requests} requests, "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.by_status.items())),
        f"  server errors: {len(counts.server_errors)}, "
        f"contract violations: {len(counts.violations)}, on known operations: {len(counts.known)}",
    ]
    for f in counts.findings + counts.known:
        lines += [f"  - {f.kind} {f.status} on {f.operation}: {f.message}", f"    {f.curl}"]
    if counts.server_errors and log is not None and log.exists():
        lines += ["  server log (last 4000 characters):", log.read_text()[-4000:]]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="requests per operation")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--negative", action="store_true", help="also invalid requests")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from gis import auth, migrate
    from gis.reference import default_reference_path, load_reference
    from tests.support import start_app, stop_server

    server_url = make_url(os.environ["DATABASE_URL"])
    name = f"vollsmose_bench_fuzz_{os.getpid()}"
    admin = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    tokens = {}
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            migrate.upgrade(conn)
            load_reference(conn, default_reference_path())
            for role in ("planner", "admin"):
                tokens[role] = auth.create_token(conn, f"fuzz-{role}", role)
        engine.dispose()
        tmp = Path(tempfile.mkdtemp(prefix="vollsmose-fuzz-"))
        server = start_app(url, tmp, tmp / "server.log")
        try:
            schema = load(server.url)
            failed = False
            runs = [("public", None, False)] + [
                (role, {"Authorization": f"Bearer {t}"}, True) for role, t in tokens.items()
            ]
            for who, headers, writes in runs:
                started = time.monotonic()
                counts = fuzz(
                    schema,
                    server.url,
                    headers=headers,
                    writes=writes,
                    examples=args.examples,
                    seed=args.seed,
                    negative=args.examples if args.negative else 0,
                )
                took = time.monotonic() - started
                print(report(f"{who} ({took:.0f} s)", counts, server.log), flush=True)
                failed |= bool(counts.findings)
        finally:
            stop_server(server)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
