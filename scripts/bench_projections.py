"""Benchmark: projector catch-up (events/s) and live lag, on SQLite and PostgreSQL.

Catch-up: realistic plan histories (20-step plans with approvals, retries and results, decided
by `core.domain.decisions` exactly as the engine decides them) are appended straight to the
store, then
every registered projection catches up from zero, batched. In the same run, a raw baseline
selects the same log rows in batches of 500 and inserts as many rows into a plain table,
committing every 500. Live lag: the engine runs plans while a `follow` projector runs in a
thread; lag is the time from an append returning to the commit that makes it visible in
`plan_summary`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict

from adapters.bootstrap import store_wakeup
from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.read_models import open_read_side
from adapters.settings import Settings
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.system_clock import RandomIds, SystemClock
from core.domain.decisions import (
    Outcome,
    apply_decisions,
    create_plan,
    record_outcome,
    start_execution,
)
from core.domain.events import PlanEvent
from core.domain.plan import PlanState, evolve, fold
from core.domain.scheduler import StartStep, decide
from core.domain.spec import PlanSpec
from core.runtime.service import PlanService
from core.runtime.tools import ToolContext, ToolRegistry
from projections import PROJECTIONS

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
RAW_BATCH = 500


def plan_spec(index: int, steps: int) -> PlanSpec:
    """A deployment-like plan: a chain of stages, each fanning out, with a flaky step."""
    step_list: list[dict[str, Any]] = []
    for number in range(steps):
        step: dict[str, Any] = {
            "id": f"step-{number:02d}",
            "tool": ("shell", "http", "echo", "python")[number % 4],
            "parameters": {"command": f"deploy part {number}", "target": f"host-{number % 5}"},
        }
        if number >= 4:
            step["depends_on"] = [f"step-{number - 4:02d}"]
        if number % 7 == 3:
            step["max_retries"] = 1
        step_list.append(step)
    return PlanSpec.model_validate(
        {"name": f"deploy-{index}", "description": f"deployment {index}", "steps": step_list}
    )


def plan_history(index: int, steps: int, start: datetime) -> list[PlanEvent]:
    """One plan from creation to completion; steps 3, 10, 17 fail once and then succeed."""
    plan_id, correlation = uuid.uuid4(), uuid.uuid4()
    now = start
    events = create_plan(
        plan_id, plan_spec(index, steps), by="bench", now=now, correlation_id=correlation
    )
    plan = fold(events)
    events += _applied(plan, start_execution(plan, now=now, correlation_id=correlation))
    while not plan.is_terminal:
        now += timedelta(milliseconds=7)
        decisions = decide(plan, now, JinjaExpressions()).decisions
        events += _applied(
            plan,
            apply_decisions(plan, decisions, now=now, worker="bench", correlation_id=correlation),
        )
        for decision in decisions:
            if isinstance(decision, StartStep):
                events += _applied(
                    plan,
                    record_outcome(plan, _outcome(decision), now=now, correlation_id=correlation),
                )
    return events


def _outcome(start: StartStep) -> Outcome:
    flaky = start.step_id.endswith(("03", "10", "17")) and start.attempt == 1
    if flaky:
        return Outcome(start.step_id, start.attempt, 41, error_type="exit_code", message="exit 1")
    return Outcome(
        start.step_id, start.attempt, 10 + len(start.step_id), result={"ok": True, "lines": 3}
    )


def _applied(plan: PlanState, events: list[PlanEvent]) -> list[PlanEvent]:
    for event in events:
        evolve(plan, event)
    return events


def histories(total_events: int, steps: int) -> list[list[PlanEvent]]:
    """Whole plan histories, at least `total_events` events in all."""
    plans: list[list[PlanEvent]] = []
    count = 0
    start = datetime(2025, 1, 1, tzinfo=UTC)
    while count < total_events:
        plans.append(plan_history(len(plans), steps, start + timedelta(seconds=len(plans))))
        count += len(plans[-1])
    return plans


def append_all(
    store: LibraryEventStore, plans: Sequence[list[PlanEvent]], per_commit: int = 20
) -> int:
    """Insert the histories, `per_commit` plans per transaction; return the number of events."""
    to_stored = store.application.mapper.to_stored_event
    count = 0
    for first in range(0, len(plans), per_commit):
        stored = [to_stored(e) for plan in plans[first : first + per_commit] for e in plan]
        store.application.recorder.insert_events(stored)
        count += len(stored)
    return count


def catch_up(url: str, plans: Sequence[list[PlanEvent]]) -> tuple[int, float, int]:
    """(events, seconds, rows in the views) of one catch-up from zero."""
    config = parse_store_url(url)
    store = open_event_store(config)
    try:
        events = append_all(store, plans)
        side = open_read_side(config, store, PROJECTIONS)
        try:
            started = time.perf_counter()
            reports = side.catch_up()
            seconds = time.perf_counter() - started
            assert all(r.failure is None and r.applied == events for r in reports), reports
            with side.database.session() as session:
                rows = sum(
                    int(session.execute(f"SELECT COUNT(*) FROM {table}")[0][0])
                    for table in (
                        "plan_summary",
                        "plan_steps",
                        "step_history",
                        "audit_log",
                        "tool_stats",
                    )
                )
        finally:
            side.close()
    finally:
        store.close()
    return events, seconds, rows


def raw_sqlite(path: Path, events: int) -> float:
    """Select the log in batches of 500 and insert one row per event, one commit per batch."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("CREATE TABLE raw_view (id INTEGER PRIMARY KEY, topic TEXT, state BLOB)")
    started = time.perf_counter()
    last = 0
    while True:
        rows = connection.execute(
            "SELECT rowid, topic, state FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, RAW_BATCH),
        ).fetchall()
        if not rows:
            break
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO raw_view VALUES (?, ?, ?)", rows)
        connection.execute("COMMIT")
        last = rows[-1][0]
    seconds = time.perf_counter() - started
    (copied,) = connection.execute("SELECT COUNT(*) FROM raw_view").fetchone()
    assert copied == events, (copied, events)
    connection.close()
    return seconds


def raw_postgres(dsn: str, schema: str, events: int) -> float:
    """The same raw loop on PostgreSQL with psycopg."""
    with psycopg.connect(dsn, options=f"-c search_path={schema}") as connection:
        connection.execute("CREATE TABLE raw_view (id bigint PRIMARY KEY, topic text, state bytea)")
        connection.commit()
        started = time.perf_counter()
        last = 0
        while True:
            rows = connection.execute(
                "SELECT notification_id, topic, state FROM planledger_events "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
                (last, RAW_BATCH),
            ).fetchall()
            if not rows:
                break
            with connection.cursor() as cursor:
                cursor.executemany("INSERT INTO raw_view VALUES (%s, %s, %s)", rows)
            connection.commit()
            last = rows[-1][0]
        return time.perf_counter() - started


class NoParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TimedStore:
    """The store port that notes when each appended notification id became durable."""

    def __init__(self, inner: LibraryEventStore) -> None:
        self.inner = inner
        self.appended: list[tuple[int, float]] = []
        self._lock = threading.Lock()

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self.inner.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        stored = [self.inner.application.mapper.to_stored_event(e) for e in events]
        ids = self.inner.application.recorder.insert_events(stored) or []
        at = time.perf_counter()
        with self._lock:
            self.appended.extend((notification_id, at) for notification_id in ids)


def live_lag(url: str, plans: int, steps: int) -> list[float]:
    """Seconds from append to visible in `plan_summary`, for every event of `plans` runs."""
    config = parse_store_url(url)
    store = open_event_store(config)
    timed = TimedStore(store)
    lags: list[float] = []
    seen = 0

    def on_commit(positions: Mapping[str, int]) -> None:
        nonlocal seen
        position, now = positions.get("plan_summary"), time.perf_counter()
        if position is None:
            return
        with timed._lock:
            while seen < len(timed.appended) and timed.appended[seen][0] <= position:
                lags.append(now - timed.appended[seen][1])
                seen += 1

    wakeup = store_wakeup(Settings(store_url=url), store)
    side = open_read_side(config, store, PROJECTIONS, wakeup=wakeup, on_commit=on_commit)
    tools = ToolRegistry()
    tools.register("noop", NoParameters, _noop)
    service = PlanService(
        timed,
        tools,
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="bench",
    )
    with _following(side.projector.follow):
        for index in range(plans):
            spec = {
                "description": f"live {index}",
                "steps": [
                    {"id": f"s{n}", "tool": "noop", **({"depends_on": [f"s{n - 1}"]} if n else {})}
                    for n in range(steps)
                ],
            }
            service.run(spec, by="bench")
        deadline = time.monotonic() + 30
        while seen < len(timed.appended) and time.monotonic() < deadline:
            time.sleep(0.01)
    side.close()
    store.close()
    assert seen == len(timed.appended), (seen, len(timed.appended))
    return lags


def _noop(parameters: NoParameters, context: ToolContext) -> None:
    return None


@contextmanager
def _following(follow: Callable[[threading.Event], None]) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def report_catch_up(backend: str, events: int, seconds: float, rows: int, raw_s: float) -> None:
    print(
        f"{backend:<10} catch-up {events:>7} events  {events / seconds:>8.0f} ev/s "
        f"({seconds:.2f} s, {rows} view rows, 4 projections)   raw baseline "
        f"{events / raw_s:>8.0f} ev/s ({raw_s:.2f} s)   projector/raw time {seconds / raw_s:.1f}x"
    )


def report_lag(backend: str, lags: list[float]) -> None:
    ordered = [lag * 1000 for lag in sorted(lags)]
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{backend:<10} live lag over {len(lags)} events: p50 {statistics.median(ordered):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms"
    )


def bench_sqlite(plans: Sequence[list[PlanEvent]], live_plans: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        events, seconds, rows = catch_up(f"sqlite:///{path}", plans)
        report_catch_up("sqlite", events, seconds, rows, raw_sqlite(path, events))
        report_lag("sqlite", live_lag(f"sqlite:///{Path(folder) / 'live.db'}", live_plans, 10))


@contextmanager
def fresh_schema(dsn: str) -> Iterator[str]:
    """A store URL naming a new PostgreSQL schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        yield schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def bench_postgres(dsn: str, plans: Sequence[list[PlanEvent]], live_plans: int) -> None:
    with fresh_schema(dsn) as schema:
        events, seconds, rows = catch_up(f"{dsn}?schema={schema}", plans)
        raw = raw_postgres(dsn, schema, events)
        report_catch_up("postgresql", events, seconds, rows, raw)
    with fresh_schema(dsn) as schema:
        report_lag("postgresql", live_lag(f"{dsn}?schema={schema}", live_plans, 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=20, help="steps per generated plan")
    parser.add_argument("--live-plans", type=int, default=40, help="plans the live engine runs")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    started = time.perf_counter()
    plans = histories(arguments.events, arguments.steps)
    # The generated histories stay in memory for both databases; a projector process holds no
    # such thing, so keep them out of the cyclic garbage collector's scans.
    gc.collect()
    gc.freeze()
    print(
        f"planledger bench_projections: {sum(len(plan) for plan in plans)} events in "
        f"{len(plans)} plans of {arguments.steps} steps "
        f"(generated in {time.perf_counter() - started:.1f} s)"
    )
    bench_sqlite(plans, arguments.live_plans)
    if not arguments.skip_postgres:
        bench_postgres(arguments.postgres, plans, arguments.live_plans)


if __name__ == "__main__":
    main()
