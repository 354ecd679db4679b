"""The composition root: the one place that builds concrete objects from settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import structlog

from adapters.audit import AuditReport, load_heads, verify_store
from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.logging_setup import log_event
from adapters.read_models import (
    EventLog,
    ReadModelDatabase,
    ReadSide,
    open_read_model_database,
    open_read_side,
)
from adapters.read_models.follower import PollingWakeup, Wakeup
from adapters.secrets import EnvelopeVault, open_data_keys
from adapters.settings import Settings
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.store.blob_store import open_blob_store
from adapters.system_clock import RandomIds, SystemClock
from adapters.telemetry import StoreObserver, Telemetry, open_telemetry
from adapters.tools import builtin_registry
from adapters.workers import EventSignal, Worker, WorkerOptions, WorkQueue
from adapters.workers.worker import ClaimObserver
from core import (
    Callbacks,
    LargeResults,
    PlanLedgerError,
    PlanService,
    PlanSpec,
    ToolRegistry,
    validate_spec,
)
from projections import PROJECTIONS

SQLITE_WAIT_POLL_S = 0.1
"""SQLite has no notifications: a waiting command looks for new events this often."""


def build_tools(settings: Settings) -> ToolRegistry:
    """The built-in tools this deployment enables."""
    return builtin_registry(settings.enabled_tools, settings.python_modules)


def validate_spec_data(data: object, settings: Settings) -> PlanSpec:
    """Validate a spec against the enabled tools and the expression language, writing nothing."""
    return validate_spec(
        data, build_tools(settings).schemas(), JinjaExpressions(), JsonSchemaChecker()
    )


def open_store(settings: Settings, *, create_tables: bool = True) -> LibraryEventStore:
    """The event store the settings name; without `create_tables` it must exist (`db init`)."""
    extra = None if create_tables else {"CREATE_TABLE": "n"}
    return open_event_store(parse_store_url(settings.store_url), extra)


def build_service(
    settings: Settings,
    store: LibraryEventStore,
    *,
    callbacks: Callbacks | None = None,
    tools: ToolRegistry | None = None,
    telemetry: Telemetry | None = None,
) -> PlanService:
    """A `PlanService` on an opened store, with the real clock, ids and expression language.

    With `telemetry`, what the service appends and loads feeds its spans and metrics.
    """
    return PlanService(
        telemetry.observe(store) if telemetry is not None else store,
        tools if tools is not None else build_tools(settings),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(open_blob_store(parse_store_url(settings.store_url))),
        json_schemas=JsonSchemaChecker(),
        worker=settings.worker_id,
        callbacks=callbacks,
        poll_interval_s=settings.poll_interval_s,
        secrets=secret_vault(settings),
        results=large_results(settings),
    )


def large_results(settings: Settings) -> LargeResults:
    """Where large results go: the blob table beside the configured store."""
    return LargeResults(
        open_blob_store(parse_store_url(settings.store_url)),
        settings.inline_result_bytes,
        settings.max_result_bytes,
    )


def secret_vault(settings: Settings) -> EnvelopeVault | None:
    """The vault of secret inputs, when a master key file is configured."""
    if settings.secrets_key_file is None:
        return None
    return EnvelopeVault(
        settings.secrets_key_file, open_data_keys(parse_store_url(settings.store_url))
    )


@contextmanager
def planledger(
    settings: Settings,
    *,
    callbacks: Callbacks | None = None,
    tools: ToolRegistry | None = None,
    project: bool = False,
    create_tables: bool = True,
    telemetry: Telemetry | None = None,
) -> Iterator[PlanService]:
    """A ready `PlanService` on the configured store; the store is closed on exit.

    With `project`, the read models catch up with the store on the way out (also when the
    command ended in an error: it may have written first), so the caller reads its own writes.
    Spans go where the settings say (`trace_exporters`) unless `telemetry` is given; those
    still buffered are exported on exit.
    """
    owned = open_telemetry(settings.trace_exporters) if telemetry is None else None
    store = open_store(settings, create_tables=create_tables)
    try:
        yield build_service(
            settings, store, callbacks=callbacks, tools=tools, telemetry=telemetry or owned
        )
    except Exception:
        if project:
            catch_up_read_models(settings, store)
        raise
    else:
        if project:
            catch_up_read_models(settings, store)
    finally:
        if owned is not None:
            owned.close()
        store.close()


@contextmanager
def read_models(settings: Settings) -> Iterator[ReadModelDatabase]:
    """The read-model database beside the configured store (queries need nothing else)."""
    database = open_read_model_database(parse_store_url(settings.store_url))
    try:
        yield database
    finally:
        database.close()


@contextmanager
def read_side(settings: Settings, store: LibraryEventStore | None = None) -> Iterator[ReadSide]:
    """The registered projections over the configured store (opened here unless given)."""
    config = parse_store_url(settings.store_url)
    owned = store is None
    opened = store if store is not None else open_event_store(config)
    try:
        side = open_read_side(config, opened, PROJECTIONS)
        try:
            yield side
        finally:
            side.close()
    finally:
        if owned:
            opened.close()


def catch_up_read_models(settings: Settings, store: LibraryEventStore) -> None:
    """Bring the read models up to the store's head; a problem is logged, never raised.

    The command that wrote has succeeded by then; a view that lags is repaired by the next
    catch-up. A `memory://` store lives only in this process, so it has nobody to serve.
    """
    config = parse_store_url(settings.store_url)
    if config.kind == "memory" or config.read_only:
        return
    try:
        with read_side(settings, store) as side:
            side.catch_up()
    except PlanLedgerError as error:
        structlog.get_logger("planledger.projector").warning(
            "read_models_not_updated", error=str(error)
        )


def verify_every_plan(settings: Settings) -> AuditReport:
    """Verify every plan's hash chain in the configured store, against the recorded heads."""
    store = open_store(settings, create_tables=False)
    try:
        with read_models(settings) as database:
            heads = load_heads(database)
        return verify_store(store, None, heads)
    finally:
        store.close()


def store_wakeup(settings: Settings, store: LibraryEventStore) -> Callable[[], Wakeup]:
    """Waits for new events: LISTEN on PostgreSQL (backlog drained), polling elsewhere."""
    config = parse_store_url(settings.store_url)
    channel = EventLog(store).notify_channel
    conninfo = config.conninfo
    if config.kind == "postgresql" and channel is not None and conninfo is not None:
        return lambda: EventSignal(conninfo, channel)
    return lambda: PollingWakeup(SQLITE_WAIT_POLL_S)


@contextmanager
def work_queue(settings: Settings, command: str) -> Iterator[WorkQueue]:
    """The work table of an initialised PostgreSQL store (`NeedsPostgresError` elsewhere)."""
    queue = WorkQueue(parse_store_url(settings.store_url), command)
    try:
        queue.require_initialised()
        yield queue
    finally:
        queue.close()


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
            yield Worker(service, queue, store_wakeup(named, store), options, on_claim)
        finally:
            telemetry.close()
            store.close()
