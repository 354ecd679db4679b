"""Where a benchmarked process spends its CPU: py-spy samples split into store, engine and CLI.

py-spy (installed on first use into the benchmarks' cache venv, never a project dependency)
samples every thread of the process; idle samples (waiting on the database, a lock, a sleep)
are left out, so the split is of CPU time. Each sample goes to the nearest frame, from the
innermost out, that belongs to a known part: a pydantic validation called by the store's mapper
counts as store, the same call from the engine as engine.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench_peer import tools_python

PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("store", ("adapters/store/", "eventsourcing/", "psycopg", "sqlite3", "event_log.py")),
    ("read models", ("adapters/read_models/", "/projections/")),
    ("CLI/workers", ("adapters/cli/", "adapters/workers/", "typer/", "rich/", "click/")),
    ("engine", ("core/domain/", "core/runtime/")),
    ("start-up", ("<frozen importlib", "importlib/")),
)


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):
        for name, needles in PARTS:
            if any(needle in frame for needle in needles):
                return name
    return "other"


def py_spy() -> Path:
    """The py-spy binary in the benchmarks' tools venv (installed on first use)."""
    python = tools_python("py-spy")
    return python.parent / "py-spy"


def attach(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling process `pid` until it exits, then writing raw samples to `output`."""
    command = [str(py_spy()), "record", "--pid", str(pid), "--format", "raw", "--rate", "200"]
    command += ["--nonblocking", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profiled(command: list[str], output: Path) -> list[str]:
    """`command` run under py-spy from its start, writing raw samples to `output` at its end."""
    spy = [str(py_spy()), "record", "--format", "raw", "--rate", "200", "--nonblocking"]
    return [*spy, "--output", str(output), "--", *command]


def split(samples: list[Path]) -> Counter[str]:
    """Samples per part, summed over the files."""
    counts: Counter[str] = Counter()
    for path in samples:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                counts[part_of(stack)] += int(count)
    return counts


def report(label: str, samples: list[Path]) -> None:
    counts = split(samples)
    total = sum(counts.values()) or 1
    parts = ", ".join(f"{name} {count / total:.0%}" for name, count in counts.most_common())
    print(f"{label}: CPU samples {total} (py-spy, 200 Hz): {parts}", flush=True)


if __name__ == "__main__":
    report(sys.argv[1], [Path(p) for p in sys.argv[2:]])
