"""A notebook as plain JSON: what replay fixtures record and compare (pure)."""

from __future__ import annotations

from core.domain.json_value import JsonObject
from core.domain.notebook.state import NotebookPlan, NotebookState


def notebook_view(state: NotebookState) -> JsonObject:
    """Every plan of the notebook (current first marked), with each subtask's state."""
    return {
        "id": str(state.notebook_id),
        "name": state.name,
        "version": state.version,
        "current_plan_id": str(state.current_id) if state.current_id else None,
        "plans": [_plan(plan) for plan in state.plans.values()],
    }


def _plan(plan: NotebookPlan) -> JsonObject:
    return {
        "id": str(plan.plan_id),
        "name": plan.name,
        "state": plan.state.value,
        "outcome": plan.outcome,
        "created_by": plan.created_by,
        "max_subtasks": plan.max_subtasks,
        "subtasks": [
            {"name": subtask.name, "state": subtask.state.value, "outcome": subtask.outcome}
            for subtask in plan.subtasks
        ],
    }
