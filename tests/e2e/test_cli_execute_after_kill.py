"""`execute ID` after a kill -9 ends at once, pointing at `resume`, which goes on.

Before, `execute` polled forever for the attempt the killed process had left running. It cannot
tell a dead process from a live one elsewhere, so it refuses to take that attempt over, writes
nothing, and says that `resume` records it as interrupted; `resume` then finishes the plan.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scripts.chaos import kill_tree

from .conftest import Cli

SLOW_ONCE = "test -f ran-once || { touch ran-once; sleep 60; }"
"""Slow the first time (the kill lands while it runs), quick when it runs again."""


@pytest.mark.slow
def test_execute_after_kill_9_refuses_at_once_and_resume_finishes_the_plan(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    slow = {"id": "slow", "tool": "shell", "parameters": {"command": SLOW_ONCE, "shell": True}}
    spec = cli.write_spec({"description": "one slow step", "steps": [slow]})
    output = cli.cwd / "run.out"
    process = cli.start("run", spec, output=output)
    try:
        wait_until(lambda: (cli.cwd / "ran-once").exists(), timeout=20, what="the step to start")
    finally:
        kill_tree(process.pid)  # the engine and its tool processes, as a dying machine would
        process.wait(timeout=10)
    plan_id = output.read_text().splitlines()[0].removeprefix("plan ")
    before = cli("history", plan_id, "--json").json()

    refused = cli("execute", plan_id)

    assert refused.exit_code == 2, refused
    assert "has attempts left running by another process: slow (on " in refused.stderr
    assert f"planledger resume {plan_id}" in refused.stderr
    assert cli("history", plan_id, "--json").json() == before
    resumed = cli("resume", plan_id, "--json")
    assert resumed.exit_code == 0, resumed
    assert resumed.json()["status"] == "completed"
    types = [record["type"] for record in cli("history", plan_id, "--json").json()]
    assert types[len(before) :][:2] == ["PlanResumed", "StepInterrupted"]
