"""The PostgreSQL log's global order: writers commit in parallel, a tailing reader skips nothing.

Without the library's table lock a row can commit after a row with a higher position. The
first test builds that case on purpose — a transaction holds a lower position open while
another commits above it — and shows the naive reader ("position > last seen") passing over
the late row for good, while the store's reader holds back until the row is there. The second
puts 8 writers and a tailing reader under load, round after round: the reader must see every
committed row exactly once, in an order consistent with each plan's versions.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.read_models import EventLog
from adapters.store import LibraryEventStore, open_event_store, parse_store_url

pytestmark = pytest.mark.postgres

WRITERS = 8
PLANS_PER_WRITER = 6
APPENDS_PER_WRITER = 60
DEADLINE_S = 120.0
POLL_S = 0.002


@dataclass(frozen=True)
class Seen:
    position: int
    plan_id: uuid.UUID
    version: int


@pytest.fixture
def store(postgres_url: str) -> Iterator[LibraryEventStore]:
    opened = open_event_store(parse_store_url(postgres_url))
    yield opened
    opened.close()


def row(plan_id: uuid.UUID, version: int) -> StoredEvent:
    return StoredEvent(plan_id, version, "test:Event", b"{}")


def naive_tail(dsn: str, schema: str, after: int) -> list[int]:
    """What a reader without the rule returns: every visible position above `after`."""
    table = sql.Identifier(schema, "planledger_events")
    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            sql.SQL("SELECT notification_id FROM {} WHERE notification_id > %s ORDER BY 1").format(
                table
            ),
            (after,),
        ).fetchall()
    return [int(position) for (position,) in rows]


def test_a_row_committed_late_below_a_visible_one_is_skipped_by_a_naive_reader_not_by_ours(
    store: LibraryEventStore, postgres_url: str
) -> None:
    dsn, _, schema = postgres_url.partition("?schema=")
    log = EventLog(store)
    early, late = uuid.uuid4(), uuid.uuid4()
    append = sql.SQL("SELECT * FROM {}(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[])").format(
        sql.Identifier(schema, "planledger_events_append")
    )

    with psycopg.connect(dsn) as slow:
        slow_position = slow.execute(append, ([early], [1], ["test:Event"], [b"{}"])).fetchone()
        [fast_position] = store.application.recorder.insert_events([row(late, 1)])
        naive_first = naive_tail(dsn, schema, 0)
        held = store.application.recorder.select_readable(1, 10)
        slow.commit()
    naive_then = naive_tail(dsn, schema, max(naive_first))
    ours_then = [n.id for n in log.fetch(0, 10)]

    assert slow_position is not None
    assert slow_position[0] < fast_position
    assert naive_first == [fast_position]
    assert naive_then == []  # the naive reader never sees the slow row: it is below its position
    assert held.notifications == []  # ours holds back while a lower position is being written
    assert held.held_back
    assert ours_then == [slow_position[0], fast_position]


def write(
    store: LibraryEventStore, seed: int, stop: threading.Event
) -> list[tuple[uuid.UUID, int]]:
    """Append batches of 1-3 events to this writer's plans, round robin; return what committed."""
    plans = [uuid.uuid4() for _ in range(PLANS_PER_WRITER)]
    versions = dict.fromkeys(plans, 0)
    written: list[tuple[uuid.UUID, int]] = []
    for number in range(APPENDS_PER_WRITER):
        if stop.is_set():
            break
        plan_id = plans[number % len(plans)]
        size = 1 + (seed + number) % 3
        batch = [row(plan_id, versions[plan_id] + offset) for offset in range(1, size + 1)]
        store.application.recorder.insert_events(batch)
        versions[plan_id] += size
        written.extend((plan_id, event.originator_version) for event in batch)
    return written


def tail(
    log: EventLog, expected: threading.Event, total: list[int], stop: threading.Event
) -> list[Seen]:
    """Follow the log by position until every committed row has been seen (or told to stop)."""
    seen: list[Seen] = []
    last = 0
    while not stop.is_set():
        batch = log.fetch(last, 50)
        seen.extend(
            Seen(n.id, uuid.UUID(str(n.originator_id)), n.originator_version) for n in batch
        )
        if batch:
            last = batch[-1].id
        elif expected.is_set() and len(seen) >= total[0]:
            break
        else:
            stop.wait(POLL_S)
    return seen


@pytest.mark.parametrize("round_number", range(4))
def test_a_tailing_reader_sees_every_row_of_eight_parallel_writers_once_and_in_plan_order(
    postgres_url: str, round_number: int
) -> None:
    config = parse_store_url(postgres_url)
    stores = [open_event_store(config) for _ in range(WRITERS)]
    reader = open_event_store(config)
    stop, expected = threading.Event(), threading.Event()
    total = [0]
    try:
        with ThreadPoolExecutor(WRITERS + 1) as pool:
            following = pool.submit(tail, EventLog(reader), expected, total, stop)
            writers = [pool.submit(write, s, round_number + i, stop) for i, s in enumerate(stores)]
            try:
                written = [pair for writer in writers for pair in writer.result(DEADLINE_S)]
                total[0] = len(written)
                expected.set()
                seen = following.result(DEADLINE_S)
            finally:
                stop.set()
    finally:
        for opened in [*stores, reader]:
            opened.close()

    positions = [entry.position for entry in seen]
    assert len(written) >= WRITERS * APPENDS_PER_WRITER
    assert sorted((e.plan_id, e.version) for e in seen) == sorted(written)  # each exactly once
    assert positions == sorted(set(positions))  # strictly rising: nothing passed, then returned
    by_plan: dict[uuid.UUID, list[int]] = defaultdict(list)
    for entry in seen:
        by_plan[entry.plan_id].append(entry.version)
    assert all(versions == list(range(1, len(versions) + 1)) for versions in by_plan.values())
