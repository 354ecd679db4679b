"""Spans of the plans this process writes to, folded from their events and handed to an export.

A span is reported by the process that appends the event ending it; the fold that knows where
the span began is fed from what this process loaded and appended, and from the store itself
when another writer's events are missing (after a takeover, or a plan created elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol
from uuid import UUID

import structlog

from adapters.telemetry.trace_registry import TraceRegistry
from core import EventStore, PlanCreated, PlanEvent, SpanRecord, TraceFold

logger = structlog.get_logger("planledger.telemetry")


class SpanExport(Protocol):
    """Where finished spans go (an OpenTelemetry span processor, in practice)."""

    def export(self, spans: Sequence[SpanRecord]) -> None:
        """Hand over spans; must not block on the network."""
        ...

    def close(self) -> None:
        """Send what is buffered, then stop."""
        ...


class SpanRecorder:
    """A `StoreObserver` that folds each plan's trace and exports the spans its appends end."""

    def __init__(self, store: EventStore, export: SpanExport, registry: TraceRegistry) -> None:
        self._store = store
        self._export = export
        self._registry = registry
        self._folds: dict[UUID, TraceFold] = {}

    def appended(self, events: Mapping[UUID, Sequence[PlanEvent]], seconds: float) -> None:
        """Fold each plan's events and export the spans they end."""
        for plan_id, plan_events in events.items():
            self._appended(plan_id, plan_events)

    def _appended(self, plan_id: UUID, events: Sequence[PlanEvent]) -> None:
        """Fold what is missing from the store, then fold `events` and export what they end."""
        fold = self._folds.get(plan_id)
        known = fold.version if fold is not None else 0
        first = events[0].version
        if first > known + 1:
            missing = [event for event in self._store.load(plan_id, known) if event.version < first]
            self._take_in(plan_id, missing, report=False)
        fold = self._take_in(plan_id, events, report=True)
        if fold is not None and fold.finished:
            del self._folds[plan_id]

    def loaded(self, plan_id: UUID, after_version: int, events: Sequence[PlanEvent]) -> None:
        """Fold events another writer recorded (nothing is exported for them)."""
        fold = self._take_in(plan_id, events, report=False)
        if fold is not None and fold.finished:
            del self._folds[plan_id]

    def _take_in(
        self, plan_id: UUID, events: Sequence[PlanEvent], *, report: bool
    ) -> TraceFold | None:
        """Fold the events that continue the plan's fold; events it already has are skipped."""
        fold = self._folds.get(plan_id)
        ended: list[SpanRecord] = []
        for event in events:
            if fold is None:
                if not isinstance(event, PlanCreated) or event.version != 1:
                    return None
                fold = self._folds[plan_id] = TraceFold()
            if event.version != fold.version + 1:
                if event.version <= fold.version:
                    continue
                return fold
            spans = fold.apply(event)
            if isinstance(event, PlanCreated) and fold.trace is not None:
                self._registry.remember(fold.trace)
            if report:
                ended += spans
        if ended:
            try:
                self._export.export(ended)
            except Exception:  # a broken exporter must never stop a plan
                logger.exception("spans_not_exported", plan_id=str(plan_id), spans=len(ended))
        return fold
