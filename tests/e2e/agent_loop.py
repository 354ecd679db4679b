"""A scripted agent loop (no model): the calls an agent makes on its notebook, in order.

Shared by the CLI test and the MCP test, so both drive the notebook through the same session:
create a plan, work through it, revise one subtask, abandon one, finish the plan, start and
drop another, recover the first one and finish it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[[str, dict[str, Any]], tuple[bool, str]]
"""Makes one tool call: (ok, text)."""


def subtask(name: str) -> dict[str, str]:
    return {"name": name, "description": f"do {name}", "expected_outcome": f"{name} is done"}


def run_agent_loop(call: Call) -> list[str]:
    """Run the session; returns each call's text. Fails when a call that must succeed does not."""
    texts: list[str] = []

    def ok(tool: str, **arguments: Any) -> str:
        done, text = call(tool, arguments)
        assert done, f"{tool} refused: {text}"
        texts.append(text)
        return text

    def refused(tool: str, **arguments: Any) -> str:
        done, text = call(tool, arguments)
        assert not done, f"{tool} should have been refused: {text}"
        texts.append(text)
        return text

    ok(
        "create_plan",
        name="release",
        description="cut a release",
        expected_outcome="v2 published",
        subtasks=[subtask("changelog"), subtask("tag"), subtask("announce")],
    )
    ok("update_subtask_state", subtask_idx=0, state="in_progress")
    ok("finish_subtask", subtask_idx=0, subtask_outcome="changelog written")
    ok(
        "revise_current_plan",
        subtask_idx=1,
        action="revise",
        subtask=subtask("tag v2"),
        reason="the version is known now",
    )
    refused("update_subtask_state", subtask_idx=0, state="in_progress")
    ok("finish_subtask", subtask_idx=1, subtask_outcome="v2 tagged")
    ok("update_subtask_state", subtask_idx=2, state="abandoned")
    ok("finish_plan", state="done", outcome="v2 is out, not announced")
    ok(
        "create_plan",
        name="hotfix",
        description="fix a crash",
        expected_outcome="no crash",
        subtasks=[subtask("reproduce")],
    )
    first = ok("view_historical_plans").splitlines()[0].split(":")[0].removeprefix("- ")
    ok("recover_historical_plan", plan_id=first)
    ok(
        "revise_current_plan",
        subtask_idx=3,
        action="add",
        subtask=subtask("announce later"),
        reason="announce after all",
    )
    ok("finish_subtask", subtask_idx=3, subtask_outcome="announced")
    ok("finish_plan", state="done", outcome="v2 is out and announced")
    return texts
