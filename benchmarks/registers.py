"""BBR import at the size of Odense: a generated file extract in the real format (the
Datafordeler JSON, `BygningList` and `EnhedList` with BBR's own field names, bitemporal
fields and a share of superseded registrations), imported by `vollsmose import bbr` into a
throwaway database holding the reference data. Prints the wall time and the peak memory
(max RSS) of the importing process, for the first import and for the same file again
(nothing to change). Not part of `make test`.

    python -m benchmarks.registers                     # 60,000 buildings, 110,000 units
    python -m benchmarks.registers --buildings 6000 --units 11000

The generated values are illustrative: random uses, tenures and coordinates in a square of
Odense, one building in 20 with a superseded registration beside its current one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.databases import with_reference

VOLLSMOSE = str(Path(sys.executable).with_name("vollsmose"))
REG = {"registreringFra": "2024-01-10T09:00:00.000000+01:00", "registreringTil": None,
       "virkningFra": "2024-01-10T09:00:00.000000+01:00", "virkningTil": None}  # fmt: skip
# enh046 codes with weights roughly like an Odense stock (illustrative).
SUPPORT = [("0", 55), ("10", 20), ("25", 3), ("40", 4), ("42", 1), ("15", 2), ("20", 5)]


def generate(path: Path, buildings: int, units: int, seed: int = 17) -> None:
    """Writes the extract object by object (the generator holds no list of them)."""
    rnd = random.Random(seed)
    codes, weights = zip(*SUPPORT, strict=True)
    with path.open("w", encoding="utf-8") as f:
        f.write('{"BygningList": [\n')
        for i in range(buildings):
            b = {
                "id_lokalId": f"b{i:07d}-0000-4000-8000-000000000000",
                "status": "6",
                "byg021BygningensAnvendelse": rnd.choice(["120", "130", "140", "140", "320"]),
                "byg026Opførelsesår": rnd.randint(1900, 2024),
                "byg038SamletBygningsareal": rnd.randint(80, 4000),
                "byg041BebyggetAreal": rnd.randint(60, 1200),
                "byg054AntalEtager": rnd.randint(1, 8),
                "byg066Ejerforhold": rnd.choice(["10", "20", "30", "41", "50"]),
                "byg404Koordinat": f"POINT({rnd.uniform(580000, 600000):.2f} "
                f"{rnd.uniform(6130000, 6150000):.2f})",
                "jordstykke": None,
                **REG,
            }
            if i % 20 == 0:  # an older registration of the same building
                old = {**b, "registreringFra": "2015-03-01T10:00:00.000000+01:00"}
                old.update(registreringTil=REG["registreringFra"], byg054AntalEtager=1)
                f.write(json.dumps(old, ensure_ascii=False) + ",\n")
            f.write(json.dumps(b, ensure_ascii=False) + (",\n" if i < buildings - 1 else "\n"))
        f.write('],\n"EnhedList": [\n')
        for j in range(units):
            business = rnd.random() < 0.05
            u = {
                "id_lokalId": f"e{j:07d}-0000-4000-8000-000000000000",
                "bygning": f"b{rnd.randrange(buildings):07d}-0000-4000-8000-000000000000",
                "status": "6",
                "enh020EnhedensAnvendelse": "320" if business else "140",
                "enh026EnhedensSamledeAreal": rnd.randint(30, 200),
                "enh027ArealTilBeboelse": None if business else rnd.randint(30, 150),
                "enh028ArealTilErhverv": rnd.randint(50, 500) if business else None,
                "enh045Udlejningsforhold": rnd.choice(["1", "2", "3"]),
                "enh046OffentligStøtte": rnd.choices(codes, weights)[0],
                **REG,
            }
            f.write(json.dumps(u, ensure_ascii=False) + (",\n" if j < units - 1 else "\n"))
        f.write("]}\n")


def timed_import(url: str, register: str, path: Path) -> tuple[float, float, str]:
    """Runs `vollsmose import <register>` in a process of its own: its wall time, its peak
    RSS (MiB), its output. Shared by the register benchmarks (benchmarks/dar.py too)."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    # A fresh child per run, so RUSAGE_CHILDREN's maximum is this run's alone.
    code = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "print(r.stdout); sys.stderr.write(r.stderr); sys.exit(r.returncode)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, VOLLSMOSE, "import", register, str(path), "--quiet",
         "--extract-date", "2026-06-01"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    rss_kib, _, out = done.stdout.partition("\n")
    return seconds, int(rss_kib) / 1024, out.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--buildings", type=int, default=60_000)
    p.add_argument("--units", type=int, default=110_000)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bbr.json"
        started = time.perf_counter()
        generate(path, args.buildings, args.units)
        size = path.stat().st_size / 1024**2
        print(
            f"generated {args.buildings:,} buildings, {args.units:,} units: {size:.0f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        with with_reference("registers") as url:
            for label in ("first import", "same file again"):
                seconds, rss, out = timed_import(url, "bbr", path)
                print(f"{label}: {seconds:.1f} s, peak RSS {rss:.0f} MiB")
                print("  " + "\n  ".join(out.splitlines()[:3]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
