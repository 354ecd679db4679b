"""An `EventStore` that tells observers what this process appended and loaded, plan by plan.

Spans and metrics are derived from events: an event appended here is reported here, once (the
store's optimistic concurrency lets one writer append it). Observers of one plan are called
under that plan's lock, which is held across the append too, so they see its events in version
order even when several threads of this process write to it (a child reporting to its parent).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Protocol
from uuid import UUID

from core import EventStore, PlanEvent

LOCK_STRIPES = 64
"""Plans share this many locks (by id): bounded memory, and rarely a wait on another plan."""


class StoreObserver(Protocol):
    """Told about events as they go through the store; must not raise."""

    def appended(self, events: Mapping[UUID, Sequence[PlanEvent]], seconds: float) -> None:
        """This process appended these events (by plan) in one transaction of `seconds`."""
        ...

    def loaded(self, plan_id: UUID, after_version: int, events: Sequence[PlanEvent]) -> None:
        """`events` of `plan_id` above `after_version` were read from the store."""
        ...


class ObservedEventStore:
    """Wraps another store; appends and loads go through to it, then to the observers."""

    def __init__(self, store: EventStore, observers: Sequence[StoreObserver]) -> None:
        self._store = store
        self._observers = tuple(observers)
        self._locks = tuple(threading.Lock() for _ in range(LOCK_STRIPES))

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        """The plan's events above `after_version`, as the wrapped store gives them."""
        events = self._store.load(plan_id, after_version)
        if events:
            with self._holding([plan_id]):
                for observer in self._observers:
                    observer.loaded(plan_id, after_version, events)
        return events

    def append(self, events: Sequence[PlanEvent]) -> None:
        """Append through the wrapped store; only an append that succeeded is reported."""
        by_plan: dict[UUID, list[PlanEvent]] = {}
        for event in events:
            by_plan.setdefault(event.plan_id, []).append(event)
        with self._holding(by_plan):
            started = time.perf_counter()
            self._store.append(events)
            seconds = time.perf_counter() - started
            for observer in self._observers:
                observer.appended(by_plan, seconds)

    @contextmanager
    def _holding(self, plan_ids: Iterable[UUID]) -> Iterator[None]:
        stripes = sorted({plan_id.int % LOCK_STRIPES for plan_id in plan_ids})
        with ExitStack() as stack:
            for stripe in stripes:
                stack.enter_context(self._locks[stripe])
            yield
