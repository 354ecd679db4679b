"""The event store: the eventsourcing library (PostgreSQL, SQLite, memory) behind core's port.

The names below are imported on first use, not with the package: the CLI's lean `status`
reads a few of this package's small modules (the PostgreSQL guard and table checks) without
paying for `core`, pydantic and the eventsourcing library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
