"""The plan as plain data: the shape `status --json` prints and tests compare (pure)."""

from __future__ import annotations

from core.domain.json_value import JsonObject
from core.domain.plan import PlanState, StepState
from core.domain.progress import progress
from core.domain.status import StepStatus


def plan_view(plan: PlanState) -> JsonObject:
    """The plan's id, description, status, each step, and the summary counts.

    A fork also names its source (`forked_from`); other plans do not have the key.
    """
    view: JsonObject = {
        "id": str(plan.plan_id),
        "name": plan.spec.name,
        "description": plan.spec.description,
        "status": plan.status.value,
        "reason": plan.reason,
        "version": plan.version,
        "created_by": plan.created_by,
        "approved_by": plan.approved_by,
        "steps": [step_view(step) for step in plan.steps.values()],
        "summary": summary_view(plan),
    }
    link = plan.forked_from
    if link is not None:
        view["forked_from"] = {
            "plan_id": str(link.source_plan_id),
            "version": link.source_version,
            "from_step": link.from_step,
        }
    return view


def step_view(step: StepState) -> JsonObject:
    """One step's status, attempts, result or error, and duration."""
    error = None
    if step.error is not None and step.status is not StepStatus.COMPLETED:
        error = {"type": step.error.error_type, "message": step.error.message}
    return {
        "id": step.spec.id,
        "tool": step.spec.tool,
        "status": step.status.value,
        "attempts": step.attempt,
        "result": step.result,
        "error": error,
        "skip_reason": step.skip_reason,
        "duration_ms": step.duration_ms,
    }


def summary_view(plan: PlanState) -> JsonObject:
    """Counts per step status and the share of steps that have finished (`progress`)."""
    counts = plan.counts
    total = len(plan.steps)
    return {
        "total_steps": total,
        "completed": counts[StepStatus.COMPLETED],
        "failed": counts[StepStatus.FAILED],
        "skipped": counts[StepStatus.SKIPPED],
        "cancelled": counts[StepStatus.CANCELLED],
        "pending": counts[StepStatus.PENDING],
        "running": counts[StepStatus.RUNNING],
        "progress": progress({status.value: count for status, count in counts.items()}, total),
    }
