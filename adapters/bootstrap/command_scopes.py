"""What a command runs inside: a service or a `Ledger` on the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.bootstrap.audit_evidence import audit_evidence
from adapters.bootstrap.read_side_scopes import (
    catch_up_read_models,
    local_views,
    projection_status,
    store_wakeup,
)
from adapters.bootstrap.service_parts import build_service, open_store, trusted_keys_of
from adapters.ledger import Ledger, LocalLedger
from adapters.settings import Settings
from adapters.signing.quarantine import quarantine_plan
from adapters.store import (
    LibraryEventStore,
)
from adapters.telemetry import Telemetry, open_telemetry
from core import (
    Callbacks,
    PlanService,
    ToolRegistry,
    UntrustedHistoryError,
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
            lambda: projection_status(settings, store),
            lambda keys, checkpoints: audit_evidence(settings, keys, checkpoints),
            trusted_keys_of(settings),
        )
