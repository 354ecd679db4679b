"""A notebook session that records every notebook event type (for the catalogue's tests)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from core.domain.events.notebook_events import notebook_id
from core.domain.ports import Clock, EventStore, IdFactory
from core.runtime.notebook_service import NotebookService
from core.runtime.notebook_tools import NotebookTools


def subtask(name: str) -> dict[str, str]:
    return {"name": name, "description": f"do {name}", "expected_outcome": f"{name} done"}


def every_notebook_call(store: EventStore, clock: Clock, ids: IdFactory) -> UUID:
    """Create, revise, start, finish, abandon, replace, recover and finish plans; the id."""
    tools = NotebookTools(NotebookService(store, clock, ids), "every-call", by="agent")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("create_plan", _plan("first", "a", "b")),
        (
            "revise_current_plan",
            {"subtask_idx": 2, "action": "add", "subtask": subtask("c"), "reason": "one more"},
        ),
        ("update_subtask_state", {"subtask_idx": 0, "state": "in_progress"}),
        ("finish_subtask", {"subtask_idx": 0, "subtask_outcome": "a done"}),
        ("update_subtask_state", {"subtask_idx": 1, "state": "abandoned"}),
        ("create_plan", _plan("second", "x")),
    ]
    for tool, arguments in steps:
        answer = tools.call(tool, arguments)
        assert answer.ok, answer.text
    first = tools.call("view_historical_plans", {}).text.split(":")[0].removeprefix("- ")
    for tool, arguments in [
        ("recover_historical_plan", {"plan_id": first}),
        ("finish_subtask", {"subtask_idx": 2, "subtask_outcome": "c done"}),
        ("finish_plan", {"state": "done", "outcome": "a and c done, b dropped"}),
    ]:
        answer = tools.call(tool, arguments)
        assert answer.ok, answer.text
    return notebook_id("every-call")


def _plan(name: str, *subtasks: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"plan {name}",
        "expected_outcome": f"{name} done",
        "subtasks": [subtask(n) for n in subtasks],
    }
