"""The event store: the eventsourcing library (PostgreSQL, SQLite, memory) behind core's port."""

from adapters.store.event_store import LibraryEventStore, open_event_store
from adapters.store.store_url import StoreConfig, parse_store_url
from adapters.store.wakeup import ListenWakeup, PollingWakeup, Wakeup

__all__ = [
    "LibraryEventStore",
    "ListenWakeup",
    "PollingWakeup",
    "StoreConfig",
    "Wakeup",
    "open_event_store",
    "parse_store_url",
]
