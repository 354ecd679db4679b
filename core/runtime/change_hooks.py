"""Change hooks: callbacks, registered and removed by name, that see every change to a plan.

Where `Callbacks` follow one engine's execution, hooks see every event appended through the
store they watch, whoever appends it: a creation, a revision, an approval, an operator's
action, an outside report, a notebook call, the engine's steps. A live view (a plan drawn as it
changes, an agent's plan on a screen) registers one. They run after the append, in the writer's
thread, once per append with its whole batch; an exception in a hook propagates to that writer
(its events are recorded all the same).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.ports import EventStore

ChangeHook = Callable[[Sequence[PlanEvent]], None]
"""Called with the events of one append, oldest first (all of one plan or notebook, or of a
plan and the children it started)."""


class ChangeHooks:
    """Hooks by name; registering a name again replaces its hook."""

    def __init__(self) -> None:
        self._hooks: dict[str, ChangeHook] = {}
        self._lock = threading.Lock()

    def register(self, name: str, hook: ChangeHook) -> None:
        """Call `hook` with every change from now on."""
        with self._lock:
            self._hooks[name] = hook

    def remove(self, name: str) -> None:
        """Stop calling the hook registered as `name`; `KeyError` if there is none."""
        with self._lock:
            del self._hooks[name]

    @property
    def names(self) -> list[str]:
        """The registered hooks' names, in registration order."""
        with self._lock:
            return list(self._hooks)

    def notify(self, events: Sequence[PlanEvent]) -> None:
        """Call every hook with one append's events."""
        with self._lock:
            hooks = list(self._hooks.values())
        for hook in hooks:
            hook(events)

    def watch(self, store: EventStore) -> EventStore:
        """The store, telling these hooks of every append made through it."""
        return _HookedStore(store, self)


class _HookedStore:
    """An `EventStore` that notifies hooks after each successful append."""

    def __init__(self, store: EventStore, hooks: ChangeHooks) -> None:
        self._store = store
        self._hooks = hooks

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self._store.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        self._store.append(events)
        if events:
            self._hooks.notify(events)
