"""Sub-plans through the CLI: the nested deploy example, child files, and bad child specs."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import Cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_examples(cli: Cli) -> str:
    for name in ("nested_deploy.yaml", "deploy_service.yaml"):
        shutil.copyfile(EXAMPLES / name, cli.cwd / name)
    return "nested_deploy.yaml"


def test_the_nested_deploy_example_runs_three_levels_and_returns_the_childrens_outputs(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    spec = copy_examples(cli)

    result = cli("run", spec, "--input", "version=1.4.0", "--json")

    assert result.exit_code == 0, result
    view = result.json()
    assert view["status"] == "completed"
    assert view["outputs"] == {
        "announcement": "released api 1.4.0 and web 1.4.0",
        "healthy": True,
    }
    steps = {step["id"]: step for step in view["steps"]}
    assert steps["deploy_api"]["tool"] == "plan"
    assert steps["deploy_api"]["result"] == {"service": "api", "version": "1.4.0", "healthy": True}
    child_id = view["sub_plans"]["deploy_api"]["child_plan_id"]
    child = cli("status", child_id, "--json").json()
    assert child["status"] == "completed"
    assert child["sub_plan_of"] == {
        "parent_plan_id": view["id"],
        "parent_step_id": "deploy_api",
        "root_plan_id": view["id"],
        "depth": 1,
    }
    grandchild_id = child["sub_plans"]["verify"]["child_plan_id"]
    shown = cli("plans", "show", grandchild_id, "--json")
    assert shown.exit_code == 0, shown
    assert shown.json()["sub_plan_of"]["depth"] == 2
    assert shown.json()["sub_plan_of"]["root_plan_id"] == view["id"]
    assert shown.json()["outputs"] == {"healthy": True, "version": "1.4.0"}
    verified = cli("audit", "verify", "--all", "--json")
    assert verified.exit_code == 0, verified
    assert verified.json() == {"plans_checked": 5, "findings": []}


def test_run_shows_each_sub_plans_progress_under_the_step_that_started_it(cli: Cli) -> None:
    spec = copy_examples(cli)

    result = cli("run", spec, "--input", "version=1.4.0")

    assert result.exit_code == 0, result
    assert "deploy_api > verify > ✓ ping" in result.stdout
    assert "deploy_web > ✓ rollout" in result.stdout


def test_the_history_links_the_parent_step_to_its_child(cli: Cli) -> None:
    spec = copy_examples(cli)
    plan_id = cli("run", spec, "--input", "version=2.0.0", "--json").json()["id"]

    history = cli("history", plan_id, "--json")

    records = history.json()
    started = [r for r in records if r["type"] == "SubPlanStarted"]
    finished = [r for r in records if r["type"] == "SubPlanFinished"]
    assert sorted(r["step_id"] for r in started) == ["deploy_api", "deploy_web"]
    assert {r["status"] for r in finished} == {"completed"}
    assert {r["child_plan_id"] for r in started} == {r["child_plan_id"] for r in finished}


def test_a_problem_in_a_child_file_is_named_under_its_step_and_nothing_is_written(
    cli: Cli,
) -> None:
    cli.write_spec(
        {"description": "child", "steps": [{"id": "migrate", "tool": "nope"}]}, "child.yaml"
    )
    spec = cli.write_spec(
        {"description": "parent", "steps": [{"id": "deploy", "plan": "child.yaml"}]}
    )

    result = cli("run", spec)

    assert result.exit_code == 2, result
    assert "steps[deploy].plan.steps[migrate].tool: unknown tool 'nope'" in result.stderr
    assert cli.stored_event_count() == 0


def test_plan_files_that_include_each_other_are_refused(cli: Cli) -> None:
    cli.write_spec({"description": "a", "steps": [{"id": "b", "plan": "b.yaml"}]}, "a.yaml")
    cli.write_spec({"description": "b", "steps": [{"id": "a", "plan": "a.yaml"}]}, "b.yaml")

    result = cli("validate", "a.yaml")

    assert result.exit_code == 2, result
    assert "plan files include each other: a.yaml -> b.yaml -> a.yaml" in result.stderr


def test_a_missing_child_file_is_named(cli: Cli) -> None:
    spec = cli.write_spec({"description": "p", "steps": [{"id": "deploy", "plan": "gone.yaml"}]})

    result = cli("validate", spec)

    assert result.exit_code == 2, result
    assert "steps[deploy].plan" in result.stderr
    assert "file not found" in result.stderr
