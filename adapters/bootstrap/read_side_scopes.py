"""The read side beside the configured store: read models, projections, wake-ups."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog

from adapters.read_models import (
    EventLog,
    ReadModelDatabase,
    ReadSide,
    open_read_model_database,
    open_read_side,
)
from adapters.settings import Settings
from adapters.store import (
    LibraryEventStore,
    ListenWakeup,
    PollingWakeup,
    Wakeup,
    open_event_store,
    parse_store_url,
)
from core import (
    JsonObject,
    PlanLedgerError,
)
from projections import PROJECTIONS


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


def projection_status(settings: Settings, store: LibraryEventStore) -> list[JsonObject]:
    """Each projection's position, lag and last error over `store`."""
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
