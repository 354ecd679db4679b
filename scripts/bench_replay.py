"""Benchmark: loading and folding one 10,000-event plan, next to a raw select + orjson decode.

For SQLite and PostgreSQL: one plan of about `--events` events is written by running a wide
plan of echo steps through the service. Then, each `--repeat` times: `store.load(plan_id)`
(select, decode into the pydantic event classes through the upcasters) and `fold(events)`;
and, as the baseline, a bare select of the same rows' `state` ordered by version with
`orjson.loads` on each. Medians; the ratio is planledger's events/s over the baseline's.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from uuid import UUID

import orjson
import psycopg

from adapters.bootstrap import build_service, open_store
from adapters.settings import Settings
from adapters.store import LibraryEventStore
from core import PlanStatus, fold

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def write_plan(url: str, events: int) -> UUID:
    settings = Settings(store_url=url, actor="bench", worker_id="bench")
    store = open_store(settings)
    try:
        steps = max(1, (events - 4) // 2)
        spec = {
            "description": f"{steps}-wide plan for replay",
            "options": {"max_parallel_steps": 64},
            "steps": [
                {"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(steps)
            ],
        }
        plan = build_service(settings, store).run(spec, by="bench")
        assert plan.status is PlanStatus.COMPLETED, plan.status
        return plan.plan_id
    finally:
        store.close()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(url: str, plan_id: UUID, raw: Callable[[], list[object]], repeat: int) -> None:
    store: LibraryEventStore = open_store(Settings(store_url=url))
    try:
        count = len(store.load(plan_id))
        loads, folds, raws = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            events = store.load(plan_id)
            loaded = time.perf_counter()
            fold(events)
            loads.append(loaded - started)
            folds.append(time.perf_counter() - loaded)
            raws.append(timed(raw))
    finally:
        store.close()
    load_s, fold_s, raw_s = (statistics.median(v) for v in (loads, folds, raws))
    backend = url.split(":", 1)[0]
    print(
        f"{backend:<10} {count} events: load {load_s * 1000:7.1f} ms + fold {fold_s * 1000:6.1f} ms"
        f" = {count / (load_s + fold_s):>8.0f} events/s | raw select + orjson "
        f"{raw_s * 1000:6.1f} ms = {count / raw_s:>8.0f} events/s | "
        f"planledger/raw {raw_s / (load_s + fold_s):.2f}x (load alone {raw_s / load_s:.2f}x)",
        flush=True,
    )


def raw_sqlite(path: str, plan_id: UUID) -> Callable[[], list[object]]:
    """A select on a connection opened once, as the store's pool keeps its connections."""
    connection = sqlite3.connect(path, check_same_thread=False)

    def select() -> list[object]:
        rows = connection.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? ORDER BY originator_version",
            (plan_id.hex,),
        ).fetchall()
        return [orjson.loads(state) for (state,) in rows]

    return select


def raw_postgres(dsn: str, schema: str, plan_id: UUID) -> Callable[[], list[object]]:
    """A select on a connection opened once, as the store's pool keeps its connections."""
    connection = psycopg.connect(dsn, autocommit=True)

    def select() -> list[object]:
        rows = connection.execute(
            f"SELECT state FROM {schema}.planledger_events WHERE originator_id = %s "
            "ORDER BY originator_version",
            (plan_id,),
        ).fetchall()
        return [orjson.loads(state) for (state,) in rows]

    return select


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    print(
        f"planledger bench_replay: one plan of ~{arguments.events} events, median of "
        f"{arguments.repeat}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/replay.db"
        plan_id = write_plan(f"sqlite:///{path}", arguments.events)
        measure(f"sqlite:///{path}", plan_id, raw_sqlite(path, plan_id), arguments.repeat)
    if arguments.skip_postgres:
        return
    schema = f"bench_replay_{uuid.uuid4().hex[:10]}"
    url = f"{arguments.postgres}?schema={schema}"
    try:
        plan_id = write_plan(url, arguments.events)
        measure(url, plan_id, raw_postgres(arguments.postgres, schema, plan_id), arguments.repeat)
    finally:
        with psycopg.connect(arguments.postgres, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
