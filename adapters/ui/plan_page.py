"""What the UI's plan page shows, in one answer: the plan at a version, its laid-out DAG, every
attempt (retries and timeouts included), each step's spec and resolved parameters, its events.

All of it comes from the plan's events (the fold), never from a read model, so the DAG, the
timeline and the history the page draws always agree with each other and with `status`, and the
same code answers "now" and "as it was at version N" (the page's slider).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from adapters.cli.render import status_view
from adapters.event_records import event_to_record
from adapters.ui.dag_layout import layout
from core import (
    JsonObject,
    NotInHistoryError,
    PlanEvent,
    PlanNotFoundError,
    PlanState,
    PlanStatus,
    StepStarted,
    attempt_outcome,
    fold,
    plan_graph,
)


def plan_page(plan_id: UUID, events: Sequence[PlanEvent], at: int | None) -> JsonObject:
    """The page's data for the plan as it stood at version `at` (None: its latest version).

    Raises:
        PlanNotFoundError: the plan has no events.
        NotInHistoryError: `at` is before the creation or past the last version.
    """
    if not events:
        raise PlanNotFoundError(plan_id)
    head = events[-1].version
    if at is not None and not 1 <= at <= head:
        raise NotInHistoryError(plan_id, str(at), f"versions run from 1 to {head}")
    shown = list(events) if at is None else [event for event in events if event.version <= at]
    plan = fold(shown)
    deadline = plan.approval_deadline if plan.status is PlanStatus.PENDING_APPROVAL else None
    return {
        "plan": {**status_view(plan), "approval_deadline": _iso(deadline)},
        "version": plan.version,
        "head_version": head,
        "as_of": _iso(plan.last_event_at),
        "graph": layout(plan_graph(plan)),
        "attempts": attempts(shown),
        "steps": _step_details(plan, shown),
        "events": [event_to_record(event) for event in shown],
    }


def attempts(events: Sequence[PlanEvent]) -> list[JsonObject]:
    """One row per step attempt, in start order: times, status, error, and when a retry is due.

    The same reading of an attempt's end as the step history view (`core.attempt_outcome`),
    applied to one plan's events in memory.
    """
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for event in events:
        if isinstance(event, StepStarted):
            rows.setdefault(
                (event.step_id, event.attempt),
                {
                    "step_id": event.step_id,
                    "attempt": event.attempt,
                    "tool": event.tool,
                    "status": "running",
                    "started_at": _iso(event.timestamp),
                    "finished_at": None,
                    "duration_ms": None,
                    "error": None,
                    "retry_at": None,
                    "worker": event.worker,
                },
            )
            continue
        outcome = attempt_outcome(event)
        row = None if outcome is None else rows.get((outcome.step_id, outcome.attempt))
        if outcome is None or row is None or row["status"] != "running":
            continue
        error = outcome.error
        row.update(
            status=outcome.status,
            finished_at=_iso(event.timestamp),
            duration_ms=outcome.duration_ms,
            error=None if error is None else {"type": error.error_type, "message": error.message},
            retry_at=_iso(outcome.retry_at) if outcome.retry else None,
        )
    return list(rows.values())


def _step_details(plan: PlanState, events: Sequence[PlanEvent]) -> dict[str, JsonObject]:
    """Per step: what the spec asked (templates), and the parameters its last attempt got."""
    resolved = {
        event.step_id: event.parameters for event in events if isinstance(event, StepStarted)
    }
    details: dict[str, JsonObject] = {}
    for step_id, step in plan.steps.items():
        spec = step.spec
        details[step_id] = {
            "description": spec.description,
            "depends_on": list(spec.depends_on),
            "spec_parameters": spec.model_dump(mode="json").get("parameters"),
            "resolved_parameters": resolved.get(step_id),
            "max_retries": spec.max_retries,
            "timeout_ms": spec.timeout_ms,
            "parent": step.parent,
            "child_plan_id": None if step.child_plan_id is None else str(step.child_plan_id),
        }
    return details


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
