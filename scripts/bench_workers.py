"""Benchmark: no-op steps per second with 1, 2 and 4 workers on PostgreSQL, next to raw psycopg.

For each worker count W: a fresh schema, `db init`, P plans of S no-op (`echo`) steps each,
submitted so that they wait for approval; W `planledger worker` processes start, and once each
one listens, every plan is approved and the clock starts; it stops when every plan is done.
Then, in the same run, a raw psycopg baseline writes as many rows, of the same average size, in
as many commits (counted from the rows' `xmin`), from W connections at once: plainly (the ratio
planledger/raw), and once taking the `LOCK TABLE ... IN EXCLUSIVE MODE` per transaction that the
library's recorder took before planledger had its own (for reference). Medians of `--repeat`.
With `--profile`, each worker runs under py-spy and the CPU split (store, engine, workers, read
models) of all workers is printed per worker count.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from bench_profile import attach, report

from adapters.bootstrap import planledger, work_queue
from adapters.settings import Settings
from adapters.store import parse_store_url
from adapters.workers import init_store, submit

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PLANLEDGER = Path(sys.executable).parent / "planledger"


@dataclass(frozen=True)
class Run:
    workers: int
    steps: int
    seconds: float
    events: int
    commits: int
    row_bytes: int


def wide(size: int, parallel: int) -> dict[str, object]:
    return {
        "description": f"{size}-wide no-op plan",
        "options": {"max_parallel_steps": parallel, "require_approval": True},
        "steps": [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(size)],
    }


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_workers(
    dsn: str, count: int, args: argparse.Namespace, folder: Path, samples: list[Path]
) -> Run:
    schema = f"bench_w_{uuid.uuid4().hex[:10]}"
    url = f"{dsn}?schema={schema}"
    settings = Settings(store_url=url, actor="bench", worker_id="bench-submit")
    init_store(parse_store_url(url))
    spec = wide(args.size, args.concurrency)
    with work_queue(settings, "submit") as queue, planledger(settings, create_tables=False) as svc:
        plan_ids = [
            submit(svc, queue, spec, by="bench", key=None, approve_as=None, new_id=uuid.uuid4())
            for _ in range(args.plans)
        ]
        names = [f"bench-{schema}-{i}" for i in range(count)]
        processes = [start_worker(url, name, count, args, folder) for name in names]
        spies: list[subprocess.Popen[bytes]] = []
        try:
            with psycopg.connect(dsn, autocommit=True) as watch:
                wait_for(lambda: listening(watch, names), 60, "workers to listen")
                if args.profile:
                    for name, process in zip(names, processes, strict=True):
                        samples.append(folder / f"{name}.samples")
                        spies.append(attach(process.pid, samples[-1]))
                first_id = head(watch, schema)
                started = time.perf_counter()
                for plan_id in plan_ids:
                    svc.approve(plan_id, by="bench")
                wait_for(lambda: open_plans(watch, schema) == 0, 600, "every plan to end")
                seconds = time.perf_counter() - started
                events, commits, row_bytes = written_after(watch, schema, first_id)
        finally:
            for process in processes:
                process.terminate()
            for process in [*processes, *spies]:
                process.wait(timeout=60)
    drop(dsn, schema)
    return Run(count, args.plans * args.size, seconds, events, commits, row_bytes)


def start_worker(
    url: str, name: str, count: int, args: argparse.Namespace, folder: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANLEDGER_")}
    env["PGAPPNAME"] = name
    log = (folder / f"{name}.err").open("wb")
    command = [
        str(PLANLEDGER),
        "--store",
        url,
        "worker",
        "--id",
        name,
        "--concurrency",
        str(args.concurrency),
        "--max-plans",
        str(math.ceil(args.plans / count)),
    ]
    return subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def listening(connection: psycopg.Connection[tuple[object, ...]], names: list[str]) -> bool:
    rows = connection.execute(
        "SELECT DISTINCT application_name FROM pg_stat_activity "
        "WHERE application_name = ANY(%s) AND query LIKE 'LISTEN%%'",
        (names,),
    ).fetchall()
    return len(rows) == len(names)


def head(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> int:
    row = connection.execute(
        f"SELECT coalesce(max(notification_id), 0) FROM {schema}.planledger_events"
    ).fetchone()
    return int(row[0]) if row else 0


def open_plans(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> int:
    row = connection.execute(
        f"SELECT count(*) FROM {schema}.planledger_work WHERE NOT done"
    ).fetchone()
    return int(row[0]) if row else -1


def written_after(
    connection: psycopg.Connection[tuple[object, ...]], schema: str, after: int
) -> tuple[int, int, int]:
    row = connection.execute(
        f"SELECT count(*), count(DISTINCT xmin::text), avg(length(state))::int "
        f"FROM {schema}.planledger_events WHERE notification_id > %s",
        (after,),
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def drop(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def raw_baseline(dsn: str, run: Run, *, lock: bool) -> float:
    """Seconds for W connections to write the run's rows in the run's number of commits."""
    schema = f"bench_raw_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"CREATE TABLE {schema}.raw_events (id uuid, version int, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (id, version))"
        )
    commits_each = [run.commits // run.workers] * run.workers
    rows_per_commit = max(1, run.events // run.commits)
    payload = b"x" * run.row_bytes
    barrier = threading.Barrier(run.workers + 1)

    def writer(commits: int) -> None:
        plan_id = uuid.uuid4()
        with psycopg.connect(dsn) as connection:
            barrier.wait()
            version = 0
            for _ in range(commits):
                batch = []
                for _ in range(rows_per_commit):
                    version += 1
                    batch.append((plan_id, version, "core.domain.events:StepCompleted", payload))
                with connection.cursor() as cursor:
                    if lock:
                        cursor.execute(f"LOCK TABLE {schema}.raw_events IN EXCLUSIVE MODE")
                    cursor.executemany(
                        f"INSERT INTO {schema}.raw_events (id, version, topic, state) "
                        "VALUES (%s, %s, %s, %s)",
                        batch,
                    )
                connection.commit()

    threads = [threading.Thread(target=writer, args=(n,)) for n in commits_each]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    drop(dsn, schema)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="steps per plan (a wide plan)")
    parser.add_argument("--plans", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16, help="tool calls per worker")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=3, help="runs per count; medians kept")
    parser.add_argument("--profile", action="store_true", help="py-spy the workers")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",")]
    print(
        f"planledger bench_workers: {args.plans} plans x {args.size} no-op steps, "
        f"--concurrency {args.concurrency}, on {os.cpu_count()} CPUs, median of {args.repeat}",
        flush=True,
    )
    base: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for count in counts:
            samples: list[Path] = []
            runs = sorted(
                (
                    run_workers(args.postgres, count, args, Path(folder), samples)
                    for _ in range(args.repeat)
                ),
                key=lambda run: run.seconds,
            )
            run = runs[len(runs) // 2]
            rate = run.steps / run.seconds
            base = base or rate
            plain = sorted(raw_baseline(args.postgres, run, lock=False) for _ in range(args.repeat))
            raw_rate = run.steps / plain[len(plain) // 2]
            locked = raw_baseline(args.postgres, run, lock=True)
            print(
                f"{count} worker(s): {rate:>7.0f} steps/s  scaling {rate / base:.2f}x  "
                f"({run.events} events in {run.commits} commits, {run.seconds:.2f} s) | "
                f"raw psycopg, {count} conn: {raw_rate:>7.0f} steps/s; planledger/raw "
                f"{rate / raw_rate:.2f}x | raw with a table lock: "
                f"{run.steps / locked:>7.0f} steps/s",
                flush=True,
            )
            if samples:
                report(f"  {count} worker(s)", [path for path in samples if path.exists()])


if __name__ == "__main__":
    main()
