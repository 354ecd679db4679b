"""The event store: the eventsourcing library (PostgreSQL, SQLite, memory) behind core's port.

The names below are imported on first use, not with the package: the CLI's lean `status`
reads a few of this package's small modules (the PostgreSQL guard and table checks) without
paying for `core`, pydantic and the eventsourcing library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.lazy_names import lazy_names

if TYPE_CHECKING:
    from adapters.store.event_store import LibraryEventStore, open_event_store
    from adapters.store.store_url import StoreConfig, parse_store_url
    from adapters.store.wakeup import ListenWakeup, PollingWakeup, Wakeup

_HOMES = {
    "LibraryEventStore": "adapters.store.event_store",
    "open_event_store": "adapters.store.event_store",
    "StoreConfig": "adapters.store.store_url",
    "parse_store_url": "adapters.store.store_url",
    "ListenWakeup": "adapters.store.wakeup",
    "PollingWakeup": "adapters.store.wakeup",
    "Wakeup": "adapters.store.wakeup",
}

__all__ = [
    "LibraryEventStore",
    "ListenWakeup",
    "PollingWakeup",
    "StoreConfig",
    "Wakeup",
    "open_event_store",
    "parse_store_url",
]


__getattr__ = lazy_names(globals(), _HOMES)
