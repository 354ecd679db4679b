"""The composition root: the one place that builds concrete objects from settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import structlog

from adapters.audit import AuditReport
from adapters.audit.checkpoints import read_checkpoint_file
from adapters.audit.store_audit import Evidence, audit_store
from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.ledger import Ledger, LocalLedger
from adapters.logging_setup import log_event
from adapters.read_models import (
    EventLog,
    ReadModelDatabase,
    ReadSide,
    open_read_model_database,
    open_read_side,
)
from adapters.secrets import EnvelopeVault, open_data_keys
from adapters.settings import Settings
from adapters.signing import (
    EventSigner,
    KeyFileError,
    TrustedKeys,
    load_signer,
    load_trusted_keys,
)
from adapters.signing.quarantine import quarantine_plan
from adapters.store import (
    LibraryEventStore,
    ListenWakeup,
    PollingWakeup,
    Wakeup,
    open_event_store,
    parse_store_url,
)
from adapters.store.append_only_guard import guard_problems_at
from adapters.store.blob_store import open_blob_store
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.store.library_errors import translated_errors
from adapters.system_clock import RandomIds, SystemClock
from adapters.telemetry import StoreObserver, Telemetry, open_telemetry
from adapters.tools import builtin_registry
from adapters.workers import Worker, WorkerOptions, WorkQueue
from adapters.workers.worker import ClaimObserver
from core import (
    Callbacks,
    ChangeHooks,
    JsonObject,
    LargeResults,
    NotebookService,
    NotebookTools,
    PlanGenerator,
    PlanLedgerError,
    PlanService,
    PlanSpec,
    ToolRegistry,
    UntrustedHistoryError,
    validate_spec,
)
from projections import PROJECTIONS


def build_tools(settings: Settings) -> ToolRegistry:
    """The built-in tools this deployment enables."""
    return builtin_registry(settings.enabled_tools, settings.python_modules)


def validate_spec_data(data: object, settings: Settings) -> PlanSpec:
    """Validate a spec against the enabled tools and the expression language, writing nothing."""
    return validate_spec(
        data, build_tools(settings).schemas(), JinjaExpressions(), JsonSchemaChecker()
    )


def open_store(settings: Settings, *, create_tables: bool = True) -> LibraryEventStore:
    """The event store the settings name; without `create_tables` it must exist (`db init`).

    It signs with the settings' signing key and refuses plans its trusted keys do not cover.
    """
    extra = None if create_tables else {"CREATE_TABLE": "n"}
    return open_event_store(
        parse_store_url(settings.store_url),
        extra,
        signer=signer_of(settings),
        trusted=trusted_keys_of(settings),
    )


def audit_evidence(settings: Settings, keys: Path | None, checkpoints: Path | None) -> Evidence:
    """What `audit verify` checks the store against: trusted keys (`--keys`, else the setting),
    a checkpoint file, and on PostgreSQL the state of the append-only guard."""
    trusted = load_trusted_keys(keys) if keys is not None else trusted_keys_of(settings)
    lines = None
    if checkpoints is not None:
        try:
            lines = read_checkpoint_file(checkpoints)
        except OSError as error:
            raise KeyFileError(checkpoints, f"cannot be read ({error.strerror})") from None
    config = parse_store_url(settings.store_url)
    problems: list[str] = []
    if config.conninfo is not None and config.schema is not None:
        with translated_errors(config.display):
            problems = guard_problems_at(config.conninfo, config.schema, POSTGRES_EVENTS_TABLE)
    return Evidence(trusted, lines, problems)


def signer_of(settings: Settings) -> EventSigner | None:
    """The writer's signing key (`PLANLEDGER_SIGNING_KEY`), if it has one."""
    return load_signer(Path(settings.signing_key)) if settings.signing_key else None


def trusted_keys_of(settings: Settings) -> TrustedKeys | None:
    """The keys this process trusts (`PLANLEDGER_TRUSTED_KEYS`), if any are configured."""
    return load_trusted_keys(Path(settings.trusted_keys)) if settings.trusted_keys else None


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
    A command that writes (`project`) and meets a plan it may not trust quarantines it.
    """
    with _service_on_store(
        settings,
        callbacks=callbacks,
        tools=tools,
        project=project,
        create_tables=create_tables,
        telemetry=telemetry,
    ) as (service, _):
        yield service


@contextmanager
def _service_on_store(
    settings: Settings,
    *,
    callbacks: Callbacks | None = None,
    tools: ToolRegistry | None = None,
    project: bool = False,
    create_tables: bool = True,
    telemetry: Telemetry | None = None,
) -> Iterator[tuple[PlanService, LibraryEventStore]]:
    owned = open_telemetry(settings.trace_exporters) if telemetry is None else None
    store = open_store(settings, create_tables=create_tables)
    try:
        yield (
            build_service(
                settings, store, callbacks=callbacks, tools=tools, telemetry=telemetry or owned
            ),
            store,
        )
    except UntrustedHistoryError as refused:
        if project:
            quarantine_plan(store, refused, by=settings.worker_id)
            catch_up_read_models(settings, store)
        raise
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
def ledger(settings: Settings, *, project: bool = True) -> Iterator[Ledger]:
    """The `Ledger` the CLI calls: through the server the settings name, else on the store.

    Locally, with `project`, the read models catch up on the way out as in `planledger`.
    """
    if settings.server.url is not None:
        from adapters.remote import RemoteLedger

        with RemoteLedger(settings.server) as remote:
            yield remote
        return
    with (
        _service_on_store(settings, project=project) as (service, store),
        local_views(settings) as views,
    ):
        yield LocalLedger(
            service,
            store,
            views,
            store_wakeup(settings, store),
            lambda: _projection_status(settings, store),
            lambda keys, checkpoints: audit_evidence(settings, keys, checkpoints),
            trusted_keys_of(settings),
        )


@contextmanager
def local_views(settings: Settings) -> Iterator[Callable[[], ReadModelDatabase]]:
    """The read-model database, opened on first use and closed on exit."""
    opened: list[ReadModelDatabase] = []

    def database() -> ReadModelDatabase:
        if not opened:
            opened.append(open_read_model_database(parse_store_url(settings.store_url)))
        return opened[0]

    try:
        yield database
    finally:
        for database_ in opened:
            database_.close()


def _projection_status(settings: Settings, store: LibraryEventStore) -> list[JsonObject]:
    with read_side(settings, store) as side:
        return side.status()


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
        side = open_read_side(config, opened, PROJECTIONS, wakeup=store_wakeup(settings, opened))
        try:
            yield side
        finally:
            side.close()
    finally:
        if owned:
            opened.close()


@contextmanager
def notebook(
    settings: Settings,
    name: str,
    *,
    by: str,
    max_subtasks: int | None = None,
    hooks: ChangeHooks | None = None,
    project: bool = True,
    project_each_call: bool = False,
) -> Iterator[NotebookTools]:
    """The tool functions of notebook `name` on the configured store, called as `by`.

    `max_subtasks` (default: the settings') limits the plans created from here; `hooks` see
    every call recorded. With `project`, the read models catch up on the way out; with
    `project_each_call` (a long-running server), after every recorded call too.
    """
    store = open_store(settings)
    limit = max_subtasks if max_subtasks is not None else settings.notebook_max_subtasks
    hooks = hooks or ChangeHooks()
    if project_each_call:
        hooks.register("read models", lambda events: catch_up_read_models(settings, store))
    try:
        watched = hooks.watch(store)
        service = NotebookService(watched, SystemClock(), RandomIds(), max_subtasks=limit)
        yield NotebookTools(service, name, by=by)
    finally:
        if project:
            catch_up_read_models(settings, store)
        store.close()


@contextmanager
def plan_generator(settings: Settings) -> Iterator[PlanGenerator]:
    """A generator asking the model the settings name; the read models catch up on exit."""
    from adapters.llm.drafters import open_drafter  # only `generate` loads the HTTP client

    with open_drafter(settings.llm) as drafter:
        store = open_store(settings)
        try:
            service = build_service(settings, store)
            yield PlanGenerator(service, drafter, store, SystemClock(), RandomIds())
            catch_up_read_models(settings, store)
        finally:
            store.close()


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
    """Verify the configured store as `audit verify --all` does, with the configured keys."""
    evidence = audit_evidence(settings, None, None)
    store = open_store(settings, create_tables=False)
    try:
        with read_models(settings) as database:
            return audit_store(store, database, evidence)
    finally:
        store.close()


def store_wakeup(settings: Settings, store: LibraryEventStore) -> Callable[[], Wakeup]:
    """What the projector, the workers and `wait` wait on for new events of `store`.

    LISTEN on the recorder's channel on PostgreSQL (it NOTIFYs in every insert transaction);
    elsewhere polling every `settings.wakeup_poll_s`.
    """
    config = parse_store_url(settings.store_url)
    channel = EventLog(store).notify_channel
    conninfo = config.conninfo
    if config.kind == "postgresql" and channel is not None and conninfo is not None:
        return lambda: ListenWakeup(conninfo, channel)
    poll_s = settings.wakeup_poll_s
    return lambda: PollingWakeup(poll_s)


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
