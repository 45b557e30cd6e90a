"""`make run` to its first answer: the wall time from starting a command to the first 200 of
/healthz on the port it serves, median of several runs, with the machine's load.

    python -m benchmarks.startup --runs 5                 # make run, here
    python -m benchmarks.startup --cwd /tmp/old -- make run
    python -m benchmarks.startup --vs /tmp/old -- make run    # here and an old tree, in turn

Each run starts the command in a process group of its own with PORT set to a free port,
asks /healthz every 10 ms, notes the time of the first 200 and the serving process's RSS
then, and ends the group. Run it where nothing needs installing (the venv's stamp newer than
pyproject.toml, the cluster running): that is the start-up measured.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.serving import free_port, process_tree, rss_mb

ROOT = Path(__file__).resolve().parents[1]


def _cpu(pids: list[int]) -> float:
    """CPU seconds the processes and their finished children have used (user + system): on
    a loaded machine a steadier figure than the wall time."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def one_run(
    command: list[str], cwd: Path, timeout: float = 120, extra: dict | None = None
) -> tuple[float, float, float]:
    """Seconds to the first 200, the CPU seconds spent by then, and the RSS (MB) of the
    largest process serving then."""
    port = free_port()
    env = {**os.environ, **(extra or {}), "PORT": str(port), "VOLLSMOSE_LOG_LEVEL": "warning"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - start < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(command)} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        took = time.perf_counter() - start
                        tree = process_tree(proc.pid)
                        return took, _cpu(tree), max(rss_mb(p) for p in tree)
            except OSError:
                time.sleep(0.01)
        raise SystemExit(f"no answer within {timeout} s")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except ProcessLookupError:
            pass  # it ended already (a failed start)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _summary(label: str, runs: list[tuple[float, float, float]]) -> str:
    times, cpus, rss = ([r[i] for r in runs] for i in range(3))
    return (
        f"{label}: median {statistics.median(times):.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}), CPU median "
        f"{statistics.median(cpus):.2f} s, RSS at first answer median "
        f"{statistics.median(rss):.0f} MB"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cwd", type=Path, default=ROOT)
    p.add_argument(
        "--vs",
        type=Path,
        help="another checkout (an older tree) to run the command in, in turn with --cwd, "
        "its own code first on PYTHONPATH",
    )
    p.add_argument("command", nargs="*", default=["make", "run"])
    args = p.parse_args()
    trees = [(args.cwd, None)]
    if args.vs:
        trees.append((args.vs, {"PYTHONPATH": str(args.vs)}))
    for cwd, env in trees:
        one_run(args.command, cwd, extra=env)  # warm-up: file caches, not counted
    runs: dict[Path, list] = {cwd: [] for cwd, _ in trees}
    for _ in range(args.runs):
        for cwd, env in trees:  # in turn, so the machine's drift hits both alike
            t, c, m = one_run(args.command, cwd, extra=env)
            runs[cwd].append((t, c, m))
            print(f"  {cwd}: {t:.2f} s to the first 200 ({c:.2f} s CPU), serving {m:.0f} MB")
    load = Path("/proc/loadavg").read_text().split()[:3]
    for cwd, _ in trees:
        print(_summary(f"{' '.join(args.command)} in {cwd}", runs[cwd]))
    print(f"load {' '.join(load)}")


if __name__ == "__main__":
    main()
