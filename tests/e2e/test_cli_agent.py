"""The plan notebook from the command line: a scripted agent loop, then audit and read models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .agent_loop import run_agent_loop
from .conftest import Cli

NOTEBOOK = "session-42"


# sixteen CLI processes in a row: a hang guard with room for a loaded machine, not a speed check
@pytest.mark.timeout(360)
def test_a_scripted_agent_loop_through_the_cli_is_audited_and_listed(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    exits: list[int] = []

    def call(tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
        result = cli(
            "agent",
            "call",
            tool,
            "--notebook",
            NOTEBOOK,
            "--by",
            "agent-1",
            "--args",
            json.dumps(arguments),
            "--json",
        )
        exits.append(result.exit_code)
        answer = result.json()
        assert answer["ok"] == (result.exit_code == 0), result
        return answer["ok"], answer["text"]

    texts = run_agent_loop(call)

    assert sorted(set(exits)) == [0, 2]
    assert "a finished subtask cannot be reopened" in texts[4]
    shown = cli("agent", "show", "--notebook", NOTEBOOK, "--detailed")
    assert "No historical plans" not in shown.stdout
    assert "release (done): v2 is out and announced" in shown.stdout
    assert "hotfix (abandoned): replaced by the recovered plan 'release'" in shown.stdout
    assert "create_plan" in cli("agent", "hint", "--notebook", NOTEBOOK).stdout
    at_4 = cli("agent", "show", "--notebook", NOTEBOOK, "--at", "4")
    assert "0. [x] changelog (done): changelog written" in at_4.stdout
    assert "1. [~] tag (in_progress)" in at_4.stdout
    listed = cli("agent", "plans", "--notebook", NOTEBOOK, "--json").json()
    assert [(p["name"], p["state"], p["done"], p["abandoned"]) for p in listed] == [
        ("hotfix", "abandoned", 0, 0),
        ("release", "done", 3, 1),
    ]
    notebook_id = listed[0]["notebook_id"]
    trail = cli("audit", notebook_id, "--json").json()
    assert {row["actor"] for row in trail} == {"agent-1"}
    assert [row["action"] for row in trail][:3] == [
        "notebook_plan_created",
        "subtask_in_progress",
        "subtask_done",
    ]
    history = cli("history", notebook_id, "--json").json()
    assert len(history) == len(trail)
    verified = cli("audit", "verify", "--all")
    assert verified.exit_code == 0, verified


def test_agent_tools_print_every_function_in_both_formats(cli: Cli) -> None:
    openai = cli("agent", "tools", "--format", "openai").json()
    anthropic = cli("agent", "tools", "--format", "anthropic").json()

    names = [tool["function"]["name"] for tool in openai]
    assert (
        names
        == [tool["name"] for tool in anthropic]
        == [
            "create_plan",
            "revise_current_plan",
            "update_subtask_state",
            "finish_subtask",
            "view_subtasks",
            "get_subtask_count",
            "finish_plan",
            "view_historical_plans",
            "recover_historical_plan",
        ]
    )
    revise = next(t["input_schema"] for t in anthropic if t["name"] == "revise_current_plan")
    assert set(revise["properties"]) == {"subtask_idx", "action", "subtask", "reason"}
    assert revise["additionalProperties"] is False


def test_a_call_with_bad_arguments_exits_2_says_why_and_writes_nothing(cli: Cli) -> None:
    not_json = cli("agent", "call", "create_plan", "--notebook", "n", "--args", "{nope")
    missing = cli("agent", "call", "create_plan", "--notebook", "n", "--args", '{"name": "x"}')

    assert not_json.exit_code == missing.exit_code == 2
    assert "--args is not JSON" in not_json.stderr
    assert "subtasks: Field required" in missing.stderr
    assert cli.stored_event_count() == 0
