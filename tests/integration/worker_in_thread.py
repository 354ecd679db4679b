"""A worker running in a thread on PostgreSQL, polling (no notifications), and the fixtures its
tests share: the work queue, the operator's service, a plan put on the queue."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self
from uuid import UUID

import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import parse_store_url
from adapters.workers import Worker, WorkerOptions, WorkQueue, init_store
from core.domain.ports import EventStore
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, SystemClock, ToolBench, open_store

POLL_S = 0.02


class Polling:
    """Wakes the worker every `POLL_S` seconds: these tests need no notifications."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def wait(self, stop: threading.Event, timeout: float) -> None:
        stop.wait(min(POLL_S, timeout))


def engine_on(store: EventStore, bench: ToolBench, worker: str) -> PlanService:
    """The engine a worker (or an operator) runs, polling every `POLL_S` seconds."""
    return PlanService(
        store,
        bench.registry(),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker=worker,
        poll_interval_s=POLL_S,
    )


@contextmanager
def new_service(postgres_url: str, bench: ToolBench, worker: str) -> Iterator[PlanService]:
    store = open_store(postgres_url)
    try:
        yield engine_on(store, bench, worker)
    finally:
        store.close()


@contextmanager
def worker_running(service: PlanService, postgres_url: str) -> Iterator[None]:
    """Worker `w-1` running `service` in a thread; stopped, and seen to stop, on the way out."""
    options = WorkerOptions(worker_id="w-1", concurrency=2, lease_s=5.0, poll_s=POLL_S)
    stop = threading.Event()
    with Worker(service, WorkQueue(parse_store_url(postgres_url)), Polling, options) as running:
        thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
        thread.start()
        yield
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.fixture
def queue(postgres_url: str) -> Iterator[WorkQueue]:
    init_store(parse_store_url(postgres_url))
    opened = WorkQueue(parse_store_url(postgres_url))
    yield opened
    opened.close()


@pytest.fixture
def service(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[PlanService]:
    """The service an operator or a program uses, apart from the worker's."""
    with new_service(postgres_url, bench, "ops") as opened:
        yield opened


def queued(service: PlanService, queue: WorkQueue, spec: dict[str, object]) -> UUID:
    plan_id = queue.add(uuid.uuid4(), None)
    service.create_plan(spec, by="alice", plan_id=plan_id)
    return plan_id
