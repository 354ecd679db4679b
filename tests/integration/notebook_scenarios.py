"""A notebook session that records every notebook event type, and a generated plan (for the
catalogue's tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from core.domain.events.notebook_events import notebook_id
from core.domain.generation import ChatMessage, DraftReply
from core.domain.ports import Clock, EventStore, IdFactory
from core.runtime.notebook_service import NotebookService
from core.runtime.notebook_tools import NotebookTools
from core.runtime.plan_generation import PlanGenerator
from core.runtime.service import PlanService


class TwoDrafts:
    """A model that answers an empty plan first, then a valid one."""

    provider = "scripted"
    model = "two-drafts"

    def __init__(self) -> None:
        step = {"id": "ask", "tool": "external", "parameters": {"instructions": "say yes"}}
        self.answers = [
            DraftReply('{"description": "nothing", "steps": []}'),
            DraftReply(tool_arguments={"description": "one", "steps": [step]}),
        ]

    def draft(self, messages: Sequence[ChatMessage]) -> DraftReply:
        return self.answers.pop(0)


def generated_plan(service: PlanService, store: EventStore, clock: Clock, ids: IdFactory) -> UUID:
    """A plan a model drafted in two rounds; it waits for approval."""
    generator = PlanGenerator(service, TwoDrafts(), store, clock, ids)
    return generator.generate("do one thing", by="gen").plan_id


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
