"""Callbacks for Python users, called on the engine's thread with events after they are recorded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.domain.events import (
    TERMINAL_EVENTS,
    PlanEvent,
    StepCompleted,
    StepFailed,
    StepStarted,
    StepTimedOut,
)

EventCallback = Callable[[PlanEvent], None]


@dataclass(frozen=True)
class Callbacks:
    """Functions called with each recorded event of the kind they name.

    They run on the engine's thread after the append, so what they see is in the store. An
    exception in a callback propagates out of the engine call.
    """

    on_event: EventCallback | None = None
    on_step_start: EventCallback | None = None
    on_step_complete: EventCallback | None = None
    on_step_failed: EventCallback | None = None
    on_plan_complete: EventCallback | None = None

    def dispatch(self, events: Sequence[PlanEvent]) -> None:
        """Call the matching callbacks for each event, in order."""
        for event in events:
            if self.on_event is not None:
                self.on_event(event)
            specific = self._for(event)
            if specific is not None:
                specific(event)

    def _for(self, event: PlanEvent) -> EventCallback | None:
        if isinstance(event, StepStarted):
            return self.on_step_start
        if isinstance(event, StepCompleted):
            return self.on_step_complete
        if isinstance(event, StepFailed | StepTimedOut):
            return self.on_step_failed
        if type(event) in TERMINAL_EVENTS:
            return self.on_plan_complete
        return None
