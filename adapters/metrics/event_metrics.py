"""Counters and histograms of the events this process appends: steps by tool, plans by end.

Each event is appended by exactly one writer, so the sums of these counters over every process
that appends equal the counts of the same events in the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from prometheus_client import CollectorRegistry, Counter, Histogram

from core import (
    TERMINAL_EVENTS,
    PlanEvent,
    StepCompleted,
    StepFailed,
    StepStarted,
    StepTimedOut,
)

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
"""Steps take from milliseconds (echo) to an hour (a deployment)."""


class EventMetrics:
    """A `StoreObserver` that counts appended events into a Prometheus registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.started = Counter(
            "planledger_steps_started", "Step attempts started.", ["tool"], registry=registry
        )
        self.completed = Counter(
            "planledger_steps_completed", "Step attempts completed.", ["tool"], registry=registry
        )
        self.failed = Counter(
            "planledger_steps_failed",
            "Step attempts failed (any error type but a timeout).",
            ["tool"],
            registry=registry,
        )
        self.timed_out = Counter(
            "planledger_steps_timed_out", "Step attempts timed out.", ["tool"], registry=registry
        )
        self.duration = Histogram(
            "planledger_step_duration_seconds",
            "How long step attempts took, by how they ended.",
            ["tool", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.plans_ended = Counter(
            "planledger_plans_ended", "Plans ended, by final status.", ["status"], registry=registry
        )
        self.events = Counter(
            "planledger_events_appended", "Events appended, by type.", ["type"], registry=registry
        )
        self.append_latency = Histogram(
            "planledger_event_append_seconds",
            "How long one append (one transaction of events) took.",
            registry=registry,
        )

    def appended(self, events: Mapping[UUID, Sequence[PlanEvent]], seconds: float) -> None:
        self.append_latency.observe(seconds)
        for plan_events in events.values():
            for event in plan_events:
                self._count(event)

    def loaded(self, plan_id: UUID, after_version: int, events: Sequence[PlanEvent]) -> None:
        return None

    def _count(self, event: PlanEvent) -> None:
        self.events.labels(type(event).__name__).inc()
        match event:
            case StepStarted():
                self.started.labels(event.tool).inc()
            case StepCompleted():
                self.completed.labels(event.tool).inc()
                self.duration.labels(event.tool, "completed").observe(event.duration_ms / 1000)
            case StepFailed():
                self.failed.labels(event.tool).inc()
                self.duration.labels(event.tool, "failed").observe(event.duration_ms / 1000)
            case StepTimedOut():
                self.timed_out.labels(event.tool).inc()
                self.duration.labels(event.tool, "timed_out").observe(event.duration_ms / 1000)
            case _ if type(event) in TERMINAL_EVENTS:
                self.plans_ended.labels(TERMINAL_EVENTS[type(event)].value).inc()
