"""DAR import at the size of Odense: a generated Datafordeler DAR file extract in the real
format (`HusnummerList`, `AdressepunktList`, `NavngivenVejList`, `PostnummerList` with DAR's
field names and bitemporal fields, one husnummer in 20 with a superseded registration),
imported by `vollsmose import dar` into a throwaway database holding the reference data.
Prints the wall time and the peak memory (max RSS) of the importing process, for the first
import and for the same file again (nothing to change), and the address lookup's time.
Not part of `make test`.

    python -m benchmarks.dar                       # 100,000 husnumre (Odense has ~95,000)
    python -m benchmarks.dar --husnumre 10000

The generated values are illustrative: random street names, numbers and points in a square
of Odense.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from benchmarks.databases import with_reference
from benchmarks.registers import timed_import
from gis.registers import dar

REG = {"registreringFra": "2024-01-10T09:00:00.000000+01:00", "registreringTil": None,
       "virkningFra": "2024-01-10T09:00:00.000000+01:00", "virkningTil": None}  # fmt: skip
STREETS = 2000


def _id(kind: str, i: int) -> str:
    return f"{kind}{i:07d}-0000-4000-8000-000000000000"


def generate(path: Path, husnumre: int, seed: int = 17) -> None:
    """Writes the extract object by object (the generator holds no list of them)."""
    rnd = random.Random(seed)

    def items(f, name: str, objects, last: bool = False) -> None:
        f.write(f'"{name}": [\n')
        first = True
        for o in objects:
            f.write(("" if first else ",\n") + json.dumps(o, ensure_ascii=False))
            first = False
        f.write("\n]" + ("\n" if last else ",\n"))

    def husnumre_of():
        for i in range(husnumre):
            h = {"id_lokalId": _id("d", i), "status": "3", "husnummertekst": str(i % 150 + 1),
                 "adgangspunkt": _id("a", i), "navngivenVej": _id("e", rnd.randrange(STREETS)),
                 "postnummer": _id("c", rnd.choice([5000, 5200, 5210, 5220, 5230, 5240])),
                 "adgangTilBygning": None, "jordstykke": None, **REG}  # fmt: skip
            if i % 20 == 0:
                yield {**h, "husnummertekst": "0", "registreringFra": "2015-03-01T10:00:00Z",
                       "registreringTil": REG["registreringFra"]}  # fmt: skip
            yield h

    def points():
        for i in range(husnumre):
            x, y = rnd.uniform(580000, 600000), rnd.uniform(6130000, 6150000)
            yield {"id_lokalId": _id("a", i), "status": "8", "position": f"POINT ({x:.2f} {y:.2f})",
                   **REG}  # fmt: skip

    streets = ({"id_lokalId": _id("e", i), "vejnavn": f"Gade {i}", **REG} for i in range(STREETS))
    posts = ({"id_lokalId": _id("c", n), "postnr": str(n), "navn": f"Odense {n}", **REG}
             for n in (5000, 5200, 5210, 5220, 5230, 5240))  # fmt: skip
    with path.open("w", encoding="utf-8") as f:
        f.write("{\n")
        items(f, "HusnummerList", husnumre_of())
        items(f, "AdressepunktList", points())
        items(f, "NavngivenVejList", streets)
        items(f, "PostnummerList", posts, last=True)
        f.write("}\n")


def lookups(url: str) -> float:
    """Median of 50 lookups of a street and a number (ms), in process."""
    engine = create_engine(url)
    times = []
    with engine.connect() as conn:
        for i in range(50):
            started = time.perf_counter()
            dar.search(conn, dar.check_search(f"Gade {i * 37} 1", 10), 10)
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return statistics.median(times)


def placing(url: str) -> float:
    """Seconds to place every address again (what a BBR or Matrikel import that changed
    the plan does after its own writes), rolled back."""
    engine = create_engine(url)
    with engine.connect() as conn:
        started = time.perf_counter()
        dar.place_addresses(conn)
        seconds = time.perf_counter() - started
        conn.rollback()
    engine.dispose()
    return seconds


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--husnumre", type=int, default=100_000)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dar.json"
        started = time.perf_counter()
        generate(path, args.husnumre)
        size = path.stat().st_size / 1024**2
        print(
            f"generated {args.husnumre:,} husnumre: {size:.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        with with_reference("dar") as url:
            for label in ("first import", "same file again"):
                seconds, rss, out = timed_import(url, "dar", path)
                print(f"{label}: {seconds:.1f} s, peak RSS {rss:.0f} MiB")
                print("  " + "\n  ".join(out.splitlines()[:3]))
            print(f"lookup (street and number): median {lookups(url):.1f} ms")
            print(f"placing every address again: {placing(url):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
