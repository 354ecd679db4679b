"""The notebook service: each call on a notebook is load, decide, append; each query only reads.

A call that loses an optimistic-concurrency race (two agents on one notebook) reloads and
decides again; a refused call writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from core.domain.errors import ConcurrencyError, CorruptHistoryError
from core.domain.events import PlanEvent
from core.domain.events.notebook_events import NotebookEvent, notebook_id
from core.domain.notebook.arguments import ToolArguments
from core.domain.notebook.calls import Call, decide_call
from core.domain.notebook.fold import fold_notebook
from core.domain.notebook.state import NotebookState
from core.domain.ports import Clock, EventStore, IdFactory

MAX_CALL_ATTEMPTS = 20


class NotebookService:
    """Plan notebooks on the event store, by name.

    `max_subtasks` is the limit a plan created from here gets (None: no limit); each plan keeps
    the limit it was created with.
    """

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        ids: IdFactory,
        *,
        max_subtasks: int | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._max_subtasks = max_subtasks

    def state(self, notebook: str, *, version: int | None = None) -> NotebookState | None:
        """The notebook as its events left it (up to `version`, if given); None if it has none."""
        events = self.history(notebook)
        if version is not None:
            events = [event for event in events if event.version <= version]
        return fold_notebook(events)

    def history(self, notebook: str) -> list[NotebookEvent]:
        """Every event of the notebook, oldest first (none for a notebook never written to)."""
        return _notebook_events(self._store.load(notebook_id(notebook)))

    def call(
        self, notebook: str, arguments: ToolArguments, *, by: str
    ) -> tuple[NotebookState | None, NotebookState]:
        """Record a call that changes the notebook; return the notebook before and after it.

        Raises `NotebookCallRefusedError` (nothing written) when the call breaks a rule.
        """
        for _ in range(MAX_CALL_ATTEMPTS):
            history = self.history(notebook)
            before = fold_notebook(history)
            call = Call(
                notebook,
                by,
                self._clock.now(),
                self._ids.new_id(),
                self._ids.new_id(),
                self._max_subtasks,
            )
            events = decide_call(before, arguments, call)
            try:
                self._store.append(events)
            except ConcurrencyError:
                continue
            after = fold_notebook([*history, *events])
            assert after is not None
            return before, after
        raise ConcurrencyError(notebook_id(notebook), -1)


def _notebook_events(events: Sequence[PlanEvent]) -> list[NotebookEvent]:
    for event in events:
        if not isinstance(event, NotebookEvent):
            raise CorruptHistoryError(event.plan_id, event.version, "not a notebook's event")
    return cast(list[NotebookEvent], list(events))
