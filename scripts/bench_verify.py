"""Benchmark: `audit verify` over a store of N events (100,000 by default), with and without keys.

It fills a store with signed plans through the pure decisions (fast: no tool calls), projects
them and takes a checkpoint; then, in the same process, it times a bare read of the whole log
(fetch and decode: the baseline), verify without keys or checkpoints, and verify with keys and a
checkpoint file. The ratios say what verification costs over reading the log once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from adapters.audit.checkpoints import append_to_file, read_checkpoint_file, take_checkpoint
from adapters.audit.store_audit import Evidence, audit_store
from adapters.expressions import JinjaExpressions
from adapters.read_models import EventLog, open_read_side
from adapters.signing import generate_key_pair, load_signer, load_trusted_keys
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
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
from projections import PROJECTIONS

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STEPS_PER_PLAN = 48
"""A wide plan of 48 steps records about 100 events."""


def plan_events(index: int, now: datetime) -> list[PlanEvent]:
    """One completed plan's events, decided as the engine would decide them."""
    spec = PlanSpec.model_validate(
        {
            "description": f"bench plan {index}",
            "options": {"max_parallel_steps": STEPS_PER_PLAN},
            "steps": [{"id": f"s{i}", "tool": "noop"} for i in range(STEPS_PER_PLAN)],
        }
    )
    cid = uuid.uuid4()
    events = create_plan(uuid.uuid4(), spec, by="bench", now=now, correlation_id=cid)
    plan = fold(events)
    events += _applied(plan, start_execution(plan, now=now, correlation_id=cid))
    expressions = JinjaExpressions()
    while decisions := decide(plan, now, expressions).decisions:
        events += _applied(
            plan, apply_decisions(plan, decisions, now=now, worker="bench", correlation_id=cid)
        )
        for decision in decisions:
            if isinstance(decision, StartStep):
                outcome = Outcome(decision.step_id, decision.attempt, 1, result=None)
                events += _applied(plan, record_outcome(plan, outcome, now=now, correlation_id=cid))
    return events


def _applied(plan: PlanState, events: list[PlanEvent]) -> list[PlanEvent]:
    for event in events:
        evolve(plan, event)
    return events


def fill(store: LibraryEventStore, target: int) -> int:
    now = datetime.now(UTC)
    written = 0
    index = 0
    while written < target:
        events = plan_events(index, now)
        store.append(events)
        written += len(events)
        index += 1
    return written


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def read_log(store: LibraryEventStore) -> int:
    log, position, count = EventLog(store), 0, 0
    while batch := log.fetch(position, 1000):
        count += sum(1 for entry in log.decode(batch) if entry.event is not None)
        position = batch[-1].id
    return count


def bench(url: str, events: int, folder: Path) -> None:
    pair = generate_key_pair(folder / "keys", "bench")
    signer, trusted = load_signer(pair.private_path), load_trusted_keys(folder / "keys")
    config = parse_store_url(url)
    store = open_event_store(config, signer=signer)
    try:
        fill_s = timed(lambda: fill(store, events))
        side = open_read_side(config, store, PROJECTIONS)
        try:
            side.catch_up()
            checkpoints = folder / "checkpoints.jsonl"
            append_to_file(checkpoints, take_checkpoint(store, side.database, signer))
            read_s = timed(lambda: read_log(store))
            plain = Evidence()
            keyed = Evidence(trusted, read_checkpoint_file(checkpoints))
            reports = {}
            plain_s = timed(lambda: reports.update(plain=audit_store(store, side.database, plain)))
            keyed_s = timed(lambda: reports.update(keyed=audit_store(store, side.database, keyed)))
        finally:
            side.close()
    finally:
        store.close()
    assert all(report.verified for report in reports.values()), reports
    checked = reports["keyed"].sections["signatures"]["events"]
    print(f"{config.kind}: {checked} events signed and checked, filled in {fill_s:.1f} s")
    print(f"  read the log (baseline)        {read_s:7.2f} s  {events / read_s:9.0f} ev/s")
    print(
        f"  verify, no keys/checkpoints    {plain_s:7.2f} s  {events / plain_s:9.0f} ev/s"
        f"  {plain_s / read_s:.1f}x the baseline"
    )
    print(
        f"  verify, keys and a checkpoint  {keyed_s:7.2f} s  {events / keyed_s:9.0f} ev/s"
        f"  {keyed_s / read_s:.1f}x the baseline, {keyed_s / plain_s:.2f}x without keys"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{folder}/verify.db", arguments.events, Path(folder) / "sqlite")
    if arguments.skip_postgres:
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"{arguments.postgres}?schema={schema}"
            bench(url, arguments.events, Path(folder))
    finally:
        with psycopg.connect(arguments.postgres, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
