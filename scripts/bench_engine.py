"""Benchmark: no-op steps per second through `planledger run`, next to DBOS and raw writes.

For a 1,000-step chain and a 1,000-wide plan of `echo` steps, on SQLite and PostgreSQL:
- planledger through the CLI process: `planledger run FILE --json` wall time, on a store set up
  by `planledger db init` beforehand (as the raw loop's table and DBOS's schema are made before
  their clocks start), minus the CLI's start-up: the wall time of the same command on a
  one-step plan of the same shape, run beside it in each repeat (the process start, the full
  app's imports, opening the store, creating and ending a plan: everything `run` pays that does
  not grow with the steps). The rate is then of the other `size - 1` steps;
- the same plan in-process (the service, no CLI), which also counts the events and appends
  (commits) the engine makes;
- a raw sqlite3/psycopg loop writing the same number of rows, of the same average size, in the
  same number of commits (for the chain that is one commit of 2 rows per step);
- on PostgreSQL, the peer: DBOS Transact running the same shapes on the same server (its own
  schema), installed by this script into its own venv under ~/.cache/planledger-bench (never a
  project dependency).
Each repeat is a round that measures every figure of a shape one right after the other (on
PostgreSQL, the peer first, then each shape), so that a slow spell of the machine's disk falls
on all of them alike. Each figure is the median of `--repeat` rounds (default 3); ratios
compare medians of this run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import psycopg
from bench_baselines import baseline_postgres, baseline_sqlite
from bench_peer import peer_python, run_peer

from adapters.bootstrap import build_service, open_store
from adapters.settings import Settings
from adapters.store import LibraryEventStore
from core import PlanEvent, PlanStatus

T = TypeVar("T")

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PLANLEDGER = Path(sys.executable).parent / "planledger"


@dataclass(frozen=True)
class Counts:
    """What the engine wrote for one shape: rows, commits, average row size."""

    events: int
    appends: int
    row_bytes: int
    store_s: float


def chain(size: int) -> dict[str, object]:
    steps = [
        {"id": f"s{i}", "tool": "echo", "parameters": {"value": i}}
        | ({"depends_on": [f"s{i - 1}"]} if i else {})
        for i in range(size)
    ]
    return {"description": f"{size}-step chain", "steps": steps}


def wide(size: int, parallel: int) -> dict[str, object]:
    steps = [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(size)]
    return {
        "description": f"{size}-wide plan",
        "options": {"max_parallel_steps": parallel},
        "steps": steps,
    }


def cli_env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PLANLEDGER_")}, **extra}


def wall(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env or cli_env(), capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.decode()[-2000:]}")
    return seconds


def run_cli(url: str, spec_file: Path) -> float:
    """Wall time of `planledger run` on a store set up beforehand (`db init`, not timed), as the
    raw loop's table and DBOS's schema are made before their clocks start."""
    wall([str(PLANLEDGER), "--store", url, "db", "init"])
    return wall([str(PLANLEDGER), "--store", url, "run", str(spec_file), "--json", "--by", "bench"])


class CountingStore:
    """The real store, counting appends, events and bytes on the way through, and keeping each
    append's events (`bench_floor` appends them again in the same commits)."""

    def __init__(self, inner: LibraryEventStore) -> None:
        self.inner = inner
        self.batches: list[list[PlanEvent]] = []
        self.appends = 0
        self.events = 0
        self.payload_bytes = 0
        self.store_s = 0.0

    def load(
        self, plan_id: UUID, after_version: int = 0, up_to_version: int | None = None
    ) -> list[PlanEvent]:
        started = time.perf_counter()
        events = self.inner.load(plan_id, after_version, up_to_version)
        self.store_s += time.perf_counter() - started
        return events

    def append(self, events: Sequence[PlanEvent]) -> None:
        started = time.perf_counter()
        self.inner.append(events)
        self.store_s += time.perf_counter() - started
        self.batches.append(list(events))
        self.appends += 1
        self.events += len(events)
        self.payload_bytes += sum(len(event.model_dump_json()) for event in events)


def run_in_process(url: str, spec: dict[str, object]) -> tuple[float, Counts]:
    """The plan through the service alone (no CLI), counting what it writes and the time spent
    in the store's `load` and `append` (store_s)."""
    settings = Settings(store_url=url, actor="bench", worker_id="bench")
    store = CountingStore(open_store(settings))
    try:
        service = build_service(settings, store)  # type: ignore[arg-type]
        started = time.perf_counter()
        plan = service.run(spec, by="bench")
        seconds = time.perf_counter() - started
        assert plan.status is PlanStatus.COMPLETED, plan.status
    finally:
        store.inner.close()
    counts = Counts(store.events, store.appends, store.payload_bytes // store.events, store.store_s)
    return seconds, counts


@dataclass
class Round:
    """One repeat of one backend and shape, each figure measured right after the others (or,
    from `median_round`, each figure's median over the repeats)."""

    cli_s: float
    startup_s: float
    in_process_s: float
    counts: Counts
    raw_s: float
    peer_s: float | None = None


def median_round(rounds: list[Round]) -> Round:
    """Each figure's median over the rounds (the counts of the median in-process run)."""
    peers = [r.peer_s for r in rounds if r.peer_s is not None]
    return Round(
        statistics.median(r.cli_s for r in rounds),
        statistics.median(r.startup_s for r in rounds),
        statistics.median(r.in_process_s for r in rounds),
        sorted(rounds, key=lambda r: r.in_process_s)[len(rounds) // 2].counts,
        statistics.median(r.raw_s for r in rounds),
        statistics.median(peers) if peers else None,
    )


def spec_files(folder: Path, spec: dict[str, object], one_step: dict[str, object]) -> list[Path]:
    """The plan and its one-step twin (whose run is the start-up), as JSON files."""
    files = [folder / "spec.json", folder / "one-step.json"]
    for file, content in zip(files, (spec, one_step), strict=True):
        file.write_text(json.dumps(content))
    return files


def sqlite_round(spec: dict[str, object], one_step: dict[str, object], folder: Path) -> Round:
    """Start-up, the CLI run and the in-process run, each on a fresh file, then the raw loop
    writing what the in-process run wrote."""
    spec_file, one_step_file = spec_files(folder, spec, one_step)
    startup = run_cli(f"sqlite:///{folder}/{uuid.uuid4().hex}.db", one_step_file)
    cli = run_cli(f"sqlite:///{folder}/{uuid.uuid4().hex}.db", spec_file)
    seconds, counts = run_in_process(f"sqlite:///{folder}/{uuid.uuid4().hex}.db", spec)
    raw_file = folder / f"raw-{uuid.uuid4().hex}.db"
    raw = baseline_sqlite(raw_file, counts.events, counts.appends, counts.row_bytes)
    return Round(cli, startup, seconds, counts, raw)


def postgres_round(
    dsn: str, spec: dict[str, object], one_step: dict[str, object], folder: Path
) -> Round:
    """As `sqlite_round`, each run in a fresh schema (dropped after)."""
    spec_file, one_step_file = spec_files(folder, spec, one_step)

    def in_schema(run: Callable[[str], T]) -> T:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        try:
            return run(f"{dsn}?schema={schema}")
        finally:
            with psycopg.connect(dsn, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    startup = in_schema(lambda url: run_cli(url, one_step_file))
    cli = in_schema(lambda url: run_cli(url, spec_file))
    seconds, counts = in_schema(lambda url: run_in_process(url, spec))
    raw = baseline_postgres(dsn, counts.events, counts.appends, counts.row_bytes)
    return Round(cli, startup, seconds, counts, raw)


def report(backend: str, shape: str, steps: int, case: Round) -> None:
    """One line of rates and ratios, and where the CLI run's time went."""
    run_s = case.cli_s - case.startup_s
    if run_s <= 0:
        print(f"{backend:<10} {shape:<10} CLI run within start-up noise: use a larger --size")
        return
    rate = (steps - 1) / run_s
    raw_rate = steps / case.raw_s
    line = (
        f"{backend:<10} {shape:<10} CLI {rate:>6.0f} steps/s "
        f"({case.cli_s:.2f} s - {case.startup_s:.2f} s for one step)  "
        f"in-process {steps / case.in_process_s:>6.0f}  "
        f"raw {raw_rate:>6.0f} ({case.counts.events} rows, {case.counts.appends} commits)  "
        f"planledger/raw {rate / raw_rate:.2f}x"
    )
    if case.peer_s is not None:
        peer_rate = steps / case.peer_s
        line += f"  DBOS {peer_rate:>6.0f} steps/s  planledger/DBOS {rate / peer_rate:.2f}x"
    store_s = case.counts.store_s
    engine_s = max(case.in_process_s - store_s, 0.0)
    cli_s = max(run_s - case.in_process_s, 0.0)
    line += (
        f"\n{'':<21} time of the CLI run: store (load+append) {store_s / run_s:.0%}, "
        f"engine {engine_s / run_s:.0%}, CLI around the engine {cli_s / run_s:.0%}"
    )
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_steps (wide)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; medians kept")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-peer", action="store_true", help="no DBOS column")
    arguments = parser.parse_args()
    size, repeat = arguments.size, arguments.repeat
    shapes = {
        "chain": (chain(size), chain(1)),
        "wide": (wide(size, arguments.parallel), wide(1, arguments.parallel)),
    }
    python = None if arguments.skip_postgres or arguments.skip_peer else peer_python()
    print(
        f"planledger bench_engine: {size} echo steps, wide with max_parallel_steps "
        f"{arguments.parallel}, median of {repeat}; the CLI's start-up (the same run of a "
        "one-step plan) is subtracted from each CLI run",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        if not arguments.skip_sqlite:
            for shape, (spec, one_step) in shapes.items():
                rounds = [sqlite_round(spec, one_step, Path(folder)) for _ in range(repeat)]
                report("sqlite", f"{size}-{shape}", size, median_round(rounds))
        if arguments.skip_postgres:
            return
        # every round runs the peer and each shape one after the other, so that a slow spell of
        # the server's disk falls on all of them alike
        postgres: dict[str, list[Round]] = {shape: [] for shape in shapes}
        for _ in range(repeat):
            peer = run_peer(python, arguments.postgres, size) if python is not None else None
            for shape, (spec, one_step) in shapes.items():
                measured = postgres_round(arguments.postgres, spec, one_step, Path(folder))
                measured.peer_s = None if peer is None else peer[f"{shape}_s"]
                postgres[shape].append(measured)
        for shape, rounds in postgres.items():
            report("postgresql", f"{size}-{shape}", size, median_round(rounds))


if __name__ == "__main__":
    main()
