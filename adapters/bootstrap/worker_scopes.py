"""The work queue and workers of an initialised PostgreSQL store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

from adapters.bootstrap.read_side_scopes import store_wakeup
from adapters.bootstrap.service_parts import build_service, open_store
from adapters.logging_setup import log_event
from adapters.settings import Settings
from adapters.signing.quarantine import quarantine_plan
from adapters.store import (
    parse_store_url,
)
from adapters.telemetry import StoreObserver, open_telemetry
from adapters.workers import PlanLeasedError, Worker, WorkerOptions, WorkQueue
from adapters.workers.worker import ClaimObserver
from core import (
    Callbacks,
)


@contextmanager
def work_queue(settings: Settings, command: str) -> Iterator[WorkQueue]:
    """The work table of an initialised PostgreSQL store (`NeedsPostgresError` elsewhere)."""
    queue = WorkQueue(parse_store_url(settings.store_url), command)
    try:
        queue.require_initialised()
        yield queue
    finally:
        queue.close()


def refuse_if_leased(settings: Settings, plan_id: UUID) -> None:
    """Raise `PlanLeasedError` when a live worker holds `plan_id` (only PostgreSQL stores set up
    for workers have leases): `resume` ends the attempts a stopped process left running, and
    those of a worker that is alive are not left, they are running."""
    config = parse_store_url(settings.store_url)
    if config.kind != "postgresql":
        return
    queue = WorkQueue(config, "resume")
    try:
        lease = queue.live_lease(plan_id) if queue.initialised() else None
    finally:
        queue.close()
    if lease is not None:
        raise PlanLeasedError(plan_id, lease.owner, lease.expires_at)


@contextmanager
def worker(
    settings: Settings,
    options: WorkerOptions,
    *,
    observers: Sequence[StoreObserver] = (),
    on_claim: ClaimObserver | None = None,
) -> Iterator[Worker]:
    """A worker on an initialised PostgreSQL store; its engine logs every event it records.

    Its appends feed spans (when the settings trace) and `observers`, its claims `on_claim`
    (its metrics).
    """
    named = settings.with_overrides(worker_id=options.worker_id)
    with work_queue(named, "worker") as queue:
        telemetry = open_telemetry(settings.trace_exporters, observers=observers)
        store = open_store(named, create_tables=False)
        try:
            service = build_service(
                named, store, callbacks=Callbacks(on_event=log_event), telemetry=telemetry
            )
            yield Worker(
                service,
                queue,
                store_wakeup(named, store),
                options,
                on_claim,
                quarantine=lambda refused: quarantine_plan(store, refused, by=options.worker_id),
            )
        finally:
            telemetry.close()
            store.close()
