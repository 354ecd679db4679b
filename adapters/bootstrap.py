"""The composition root: the one place that builds concrete objects from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.settings import Settings
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.system_clock import RandomIds, SystemClock
from adapters.tools import builtin_registry
from core.callbacks import Callbacks
from core.service import PlanService
from core.tools import ToolRegistry


def build_tools(settings: Settings) -> ToolRegistry:
    """The built-in tools this deployment enables."""
    return builtin_registry(settings.enabled_tools)


def open_store(settings: Settings) -> LibraryEventStore:
    """The event store the settings name."""
    return open_event_store(parse_store_url(settings.store_url))


@contextmanager
def planledger(
    settings: Settings,
    *,
    callbacks: Callbacks | None = None,
    tools: ToolRegistry | None = None,
) -> Iterator[PlanService]:
    """A ready `PlanService` on the configured store; the store is closed on exit."""
    store = open_store(settings)
    try:
        yield PlanService(
            store,
            tools if tools is not None else build_tools(settings),
            SystemClock(),
            RandomIds(),
            worker=settings.worker_id,
            callbacks=callbacks,
            poll_interval_s=settings.poll_interval_s,
        )
    finally:
        store.close()
