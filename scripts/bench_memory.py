"""Benchmark: peak RSS and wall time of `planledger run` on a 100,000-step wide plan (PostgreSQL).

The plan is `--size` no-op `echo` steps with no dependencies and `max_parallel_steps`
`--parallel` (16, bench_engine's wide shape: enough calls in flight that every turn of the
engine appends a batch, as a real fan-out does). Each run is `planledger --store URL run FILE
--json` as its own process on a fresh schema; its peak RSS comes from the kernel (`wait4`'s
rusage of that process alone, started from a bare interpreter: see `LAUNCHER`), its wall time
from the same launcher. Beside it, in the same invocation: the same process on a
`--baseline`-step plan (1,000) and the bare start-up (the full app's `planledger --help`, what
`run` pays before it starts). Ratios: peak RSS over the small run's, and seconds per step over
the small run's (1.00x: the big plan costs per step what a small one does). Medians of
`--repeat`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PLANLEDGER = Path(sys.executable).parent / "planledger"
GIB = 1024**3


@dataclass(frozen=True)
class Run:
    """One process: its wall time and its peak resident set."""

    wall_s: float
    peak_rss: int


def wide(size: int, parallel: int) -> dict[str, object]:
    steps = [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(size)]
    return {
        "description": f"{size}-wide plan of echo steps",
        "options": {"max_parallel_steps": parallel},
        "steps": steps,
    }


LAUNCHER = """
import os, sys, time
report, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the command from a bare interpreter and reports its wall time and peak RSS: a child's
`ru_maxrss` starts at its parent's RSS when forked, and this script holds the 100,000-step spec
(about 100 MiB), which made every small figure read as this script's size."""


def measured(command: list[str], **extra_env: str) -> Run:
    """Run `command`; its wall time and peak RSS (bytes) as the kernel counted them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANLEDGER_")} | extra_env
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as report:
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, report.name, *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(
                f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]!r}"
            )
        seconds, max_rss_kib = report.read().split()
    return Run(float(seconds), int(max_rss_kib) * 1024)  # Linux counts KiB


def run_plan(dsn: str, spec_file: Path) -> Run:
    """`planledger run FILE --json` on a fresh schema, dropped afterwards."""
    schema = f"bench_m_{uuid.uuid4().hex[:10]}"
    url = f"{dsn}?schema={schema}"
    try:
        return measured([str(PLANLEDGER), "--store", url, "run", str(spec_file), "--json"])
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(run.wall_s for run in runs),
        int(statistics.median(run.peak_rss for run in runs)),
    )


def mib(size: int) -> str:
    return f"{size / 1024**2:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="steps of the big plan")
    parser.add_argument("--baseline", type=int, default=1000, help="steps of the small plan")
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_steps")
    parser.add_argument("--repeat", type=int, default=3, help="runs per plan; medians kept")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for size in (arguments.baseline, arguments.size):
            files[size] = Path(folder) / f"wide-{size}.json"
            files[size].write_text(json.dumps(wide(size, arguments.parallel)))
        startup = median_run(
            [
                measured([str(PLANLEDGER), "--help"], PLANLEDGER_FULL_CLI="1")
                for _ in range(arguments.repeat)
            ]
        )
        small = median_run(
            [
                run_plan(arguments.postgres, files[arguments.baseline])
                for _ in range(arguments.repeat)
            ]
        )
        big = median_run(
            [run_plan(arguments.postgres, files[arguments.size]) for _ in range(arguments.repeat)]
        )
    per_step = (big.wall_s / arguments.size) / (small.wall_s / arguments.baseline)
    print(
        f"planledger bench_memory: `run FILE --json` on PostgreSQL, wide plans of echo steps, "
        f"max_parallel_steps {arguments.parallel}, median of {arguments.repeat}\n"
        f"  start-up (--help)   {startup.wall_s:8.2f} s  peak RSS {mib(startup.peak_rss):>10}\n"
        f"  {arguments.baseline:>7,} steps       {small.wall_s:8.2f} s  peak RSS "
        f"{mib(small.peak_rss):>10}  {arguments.baseline / small.wall_s:6.0f} steps/s\n"
        f"  {arguments.size:>7,} steps       {big.wall_s:8.2f} s  peak RSS "
        f"{mib(big.peak_rss):>10}  {arguments.size / big.wall_s:6.0f} steps/s\n"
        f"  big/small: peak RSS {big.peak_rss / small.peak_rss:.2f}x, "
        f"time per step {per_step:.2f}x; "
        f"peak RSS {'within' if big.peak_rss <= GIB else 'OVER'} 1 GiB "
        f"({big.peak_rss / GIB:.2f} GiB)",
        flush=True,
    )


if __name__ == "__main__":
    main()
