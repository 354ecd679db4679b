"""Notebook calls as audit-log actions: what the agent (or person) did, and why (pure)."""

from __future__ import annotations

from core import (
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    PlanEvent,
    SubtaskFinished,
    SubtaskStateUpdated,
)


def notebook_audit(event: PlanEvent) -> tuple[str, str, str] | None:
    """(action, actor, reason) of a notebook call for the audit log; None for other events.

    Every call is an action: the agent is the actor the audit trail is about.
    """
    plan = "plan " + str(getattr(event, "notebook_plan_id", ""))
    match event:
        case NotebookPlanCreated(name=name, subtasks=subtasks, actor=actor):
            return "notebook_plan_created", actor, f"{plan} {name!r}: {len(subtasks)} subtasks"
        case NotebookPlanRevised(action=action, subtask_idx=index, reason=reason, actor=actor):
            return f"subtask_{action}", actor, f"{plan} subtask {index}: {reason}"
        case SubtaskStateUpdated(subtask_idx=index, state=state, actor=actor):
            return f"subtask_{state.value}", actor, f"{plan} subtask {index}"
        case SubtaskFinished(subtask_idx=index, outcome=outcome, actor=actor):
            return "subtask_done", actor, f"{plan} subtask {index}: {outcome}"
        case NotebookPlanFinished(state=state, outcome=outcome, actor=actor):
            return f"notebook_plan_{state}", actor, f"{plan}: {outcome}"
        case NotebookPlanRecovered(actor=actor):
            return "notebook_plan_recovered", actor, plan
    return None
