"""`planledger run`, `schema` and logging, driven as a user drives them."""

from __future__ import annotations

import json
from uuid import UUID

from .conftest import Cli

STEP_KEYS = {"id", "tool", "status", "attempts", "result", "error", "duration_ms"}
SUMMARY_KEYS = {"total_steps", "completed", "failed", "skipped", "pending", "running", "progress"}


def test_run_with_approve_as_executes_a_plan_needing_approval_and_prints_it_as_json(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    spec = cli.spec("release_needs_approval.yaml")

    result = cli("run", spec, "--approve-as", "alice", "--json")

    assert result.exit_code == 0, result
    view = result.json()
    UUID(view["id"])
    assert view["description"] == "Publish the release notes once alice approves them"
    assert view["status"] == "completed"
    assert view["approved_by"] == "alice"
    assert [step["id"] for step in view["steps"]] == ["draft", "spellcheck", "publish"]
    for step in view["steps"]:
        assert step.keys() >= STEP_KEYS
        assert step["status"] == "completed"
        assert step["attempts"] == 1
        assert step["error"] is None
        assert isinstance(step["duration_ms"], int)
    results = {step["id"]: step["result"] for step in view["steps"]}
    assert results["draft"] == "notes for v1.2"
    assert results["spellcheck"]["stdout"] == "no typos\n"
    assert results["publish"] == {"published": True}
    summary = view["summary"]
    assert summary.keys() >= SUMMARY_KEYS
    assert {key: summary[key] for key in SUMMARY_KEYS} == {
        "total_steps": 3,
        "completed": 3,
        "failed": 0,
        "skipped": 0,
        "pending": 0,
        "running": 0,
        "progress": 1.0,
    }


def test_a_failing_shell_step_fails_the_plan_and_run_exits_1(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    spec = cli.spec("check_fails.yaml")

    result = cli("run", spec, "--json")

    assert result.exit_code == 1, result
    view = result.json()
    assert view["status"] == "failed"
    steps = {step["id"]: step for step in view["steps"]}
    assert steps["check"]["status"] == "failed"
    assert steps["check"]["error"]["type"] == "exit_code"
    assert steps["ship"]["status"] == "skipped"
    assert view["summary"]["failed"] == 1


def test_continue_on_error_finishes_the_independent_branch_and_the_partial_plan_exits_1(
    cli: Cli,
) -> None:
    spec = cli.spec("docs_fail_app_continues.yaml")

    result = cli("run", spec, "--json")

    assert result.exit_code == 1, result
    view = result.json()
    assert view["status"] == "partial"
    statuses = {step["id"]: step["status"] for step in view["steps"]}
    assert statuses == {
        "docs": "failed",
        "publish-docs": "skipped",
        "app": "completed",
        "package-app": "completed",
    }


def test_schema_prints_the_spec_schema_with_each_tools_parameters(cli: Cli) -> None:
    result = cli("schema")

    assert result.exit_code == 0, result
    document = result.json()
    assert "steps" in document["properties"]
    tools = document["x-planledger-tools"]
    assert set(tools) == {"echo", "python", "shell", "sleep"}
    assert "command" in tools["shell"]["properties"]


def test_log_json_verbose_writes_one_json_line_per_event_with_plan_step_and_attempt(
    cli: Cli,
) -> None:
    spec = cli.spec("docs_fail_app_continues.yaml")

    result = cli("--log-json", "-v", "run", spec)

    assert result.exit_code == 1, result
    plan_id = result.stdout.splitlines()[0].removeprefix("plan ")
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert {line["plan_id"] for line in lines} == {plan_id}
    step_lines = [line for line in lines if line["event"].startswith("Step")]
    events = {(line["event"], line.get("step_id")) for line in step_lines}
    assert ("StepStarted", "package-app") in events
    assert ("StepFailed", "docs") in events
    for line in step_lines:
        assert line["step_id"]
        if line["event"] != "StepSkipped":
            assert line["attempt"] == 1


def test_text_that_looks_like_terminal_markup_is_printed_verbatim(cli: Cli) -> None:
    actor = "[/ops]"
    spec = cli.write_spec(
        {
            "description": "Print brackets [bold]",
            "steps": [
                {
                    "id": "brackets",
                    "tool": "shell",
                    "parameters": {"command": ["echo", "[/build] done [red]"]},
                },
            ],
        }
    )

    run = cli("run", spec, "--by", actor)
    plan_id = run.stdout.splitlines()[0].removeprefix("plan ")
    history = cli("history", plan_id)

    assert run.exit_code == 0, run
    assert "[/build] done [red]" in run.stdout
    assert "Print brackets [bold]" in run.stdout
    assert history.exit_code == 0, history
    assert actor in history.stdout


def test_run_with_json_shows_no_progress_and_prints_the_plan_as_status_shows_it(cli: Cli) -> None:
    steps = [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(30)]
    spec = cli.write_spec({"description": "thirty echoes", "steps": steps})

    result = cli("run", spec, "--json")
    status = cli("status", result.json()["id"], "--json")

    assert result.exit_code == 0, result
    assert result.stderr.splitlines() == [f"plan {result.json()['id']}"]
    assert result.json() == status.json()
    assert result.json()["summary"]["completed"] == 30


def test_run_without_json_ends_on_every_steps_final_status(cli: Cli) -> None:
    steps = [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(60)]
    steps.append({"id": "broken", "tool": "shell", "parameters": {"command": ["false"]}})
    spec = cli.write_spec({"description": "sixty echoes", "steps": steps})

    result = cli("run", spec)

    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    for i in range(60):
        assert any(line.strip().startswith(f"✓ s{i} ") for line in lines), i
    assert any(line.strip().startswith("✗ broken ") for line in lines)
    assert lines[-1].startswith("60/61 completed, 1 failed")
