"""Which steps a batch of events started and skipped, as plain values to assert on."""

from __future__ import annotations

from collections.abc import Sequence

from core.domain.events import PlanEvent, StepSkipped, StepStarted


def started(events: Sequence[PlanEvent]) -> list[tuple[str, int]]:
    return [(e.step_id, e.attempt) for e in events if isinstance(e, StepStarted)]


def skipped(events: Sequence[PlanEvent]) -> dict[str, tuple[str, str | None]]:
    return {e.step_id: (e.reason, e.cause_step_id) for e in events if isinstance(e, StepSkipped)}
