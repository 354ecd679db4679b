"""Sample fields of each notebook event (and of a generated plan's rounds), for the
catalogue's tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from core.domain.events import (
    NotebookPlanCreated,
    NotebookPlanFinished,
    NotebookPlanRecovered,
    NotebookPlanRevised,
    PlanDrafted,
    PlanEvent,
    SubtaskFinished,
    SubtaskStateUpdated,
)
from core.domain.events.notebook_events import SubtaskSpec, SubtaskState

NOTEBOOK_PLAN = UUID(int=42)
SUBTASK = SubtaskSpec(name="read", description="read the issue", expected_outcome="a summary")

NOTEBOOK_FIELDS: dict[type[PlanEvent], dict[str, Any]] = {
    NotebookPlanCreated: {
        "notebook_plan_id": NOTEBOOK_PLAN,
        "notebook": "session-1",
        "name": "fix the bug",
        "description": "find and fix it",
        "expected_outcome": "tests pass",
        "subtasks": (SUBTASK,),
        "max_subtasks": 10,
    },
    NotebookPlanRevised: {
        "notebook_plan_id": NOTEBOOK_PLAN,
        "action": "add",
        "subtask_idx": 1,
        "subtask": SUBTASK,
        "reason": "one more thing",
    },
    SubtaskStateUpdated: {
        "notebook_plan_id": NOTEBOOK_PLAN,
        "subtask_idx": 0,
        "state": SubtaskState.IN_PROGRESS,
    },
    SubtaskFinished: {"notebook_plan_id": NOTEBOOK_PLAN, "subtask_idx": 0, "outcome": "read"},
    NotebookPlanFinished: {
        "notebook_plan_id": NOTEBOOK_PLAN,
        "state": "abandoned",
        "outcome": "replaced",
        "replaced": True,
    },
    NotebookPlanRecovered: {"notebook_plan_id": NOTEBOOK_PLAN},
    PlanDrafted: {
        "round": 1,
        "provider": "openai-compatible",
        "model": "m-1",
        "prompt_digest": "sha256:00",
        "draft": {"description": "d", "steps": []},
        "problems": ("steps: List should have at least 1 item after validation, not 0",),
    },
}
