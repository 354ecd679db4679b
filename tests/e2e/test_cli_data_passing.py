"""Inputs, templates, conditions, trigger rules and outputs, driven through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import Cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_example(cli: Cli, name: str) -> str:
    shutil.copyfile(EXAMPLES / name, cli.cwd / name)
    return name


def test_the_etl_example_runs_its_transforms_together_and_records_what_each_received(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    spec = copy_example(cli, "etl.yaml")

    result = cli("run", spec, "--input", "date=2025-01-31", "--json")
    history = cli("history", result.json()["id"], "--json")

    assert result.exit_code == 0, result
    view = result.json()
    assert view["status"] == "completed"
    assert view["inputs"] == {"date": "2025-01-31"}
    assert view["outputs"] == {"table": "orders_daily", "mean": 135.6875, "published": "completed"}
    records = history.json()
    starts = [r for r in records if r["type"] == "StepStarted"]
    parameters = {r["step_id"]: r["parameters"] for r in starts}
    assert parameters["mean"] == {
        "function": "statistics:fmean",
        "kwargs": {"data": [120.5, 80, 42.25, 300]},
    }
    assert parameters["load"]["value"]["eu_total"] == 162.75
    transforms = [r["version"] for r in starts if r["step_id"] in ("mean", "median", "eu_total")]
    assert transforms == list(range(transforms[0], transforms[0] + 3)), "started together"


def test_the_etl_example_skips_publishing_when_asked_and_still_archives(cli: Cli) -> None:
    spec = copy_example(cli, "etl.yaml")

    result = cli("run", spec, "--input", "date=2025-01-31", "--input", "publish=false", "--json")

    assert result.exit_code == 0, result
    steps = {step["id"]: step for step in result.json()["steps"]}
    assert steps["publish"]["status"] == "skipped"
    assert steps["publish"]["skip_reason"] == "condition false"
    assert steps["archive"]["status"] == "completed"
    assert result.json()["outputs"]["published"] == "skipped"


def test_history_and_status_show_resolved_parameters_and_outputs(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "greet",
            "steps": [
                {"id": "name", "tool": "echo", "parameters": {"value": "{{ plan.inputs.who }}"}},
                {
                    "id": "greet",
                    "tool": "echo",
                    "depends_on": ["name"],
                    "parameters": {"value": "hello {{ steps.name.result }}"},
                },
            ],
            "outputs": {"greeting": "{{ steps.greet.result }}"},
        }
    )
    plan_id = cli("create", spec, "--input", "who=ada").stdout.strip()
    cli("execute", plan_id)

    history = cli("history", plan_id)
    status = cli("status", plan_id)
    as_json = cli("status", plan_id, "--json").json()
    shown = cli("plans", "show", plan_id, "--json").json()

    assert history.exit_code == 0, history
    assert 'parameters={"value":"hello ada"}' in history.stdout
    assert status.exit_code == 0, status
    assert 'output greeting = "hello ada"' in status.stdout
    assert 'inputs: {"who":"ada"}' in status.stdout
    assert (as_json["inputs"], as_json["outputs"]) == ({"who": "ada"}, {"greeting": "hello ada"})
    assert shown == as_json


def test_validate_names_step_and_field_of_every_bad_reference(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "bad references",
            "steps": [
                {"id": "a", "tool": "echo", "parameters": {"value": 1}},
                {"id": "b", "tool": "echo", "parameters": {"value": "{{ steps.c.result }}"}},
                {"id": "c", "tool": "echo", "parameters": {"value": "{{ steps.ghost.result }}"}},
                {
                    "id": "d",
                    "tool": "echo",
                    "depends_on": ["a"],
                    "when": "steps.a.result ==",
                    "parameters": {"value": 2},
                },
                {"id": "e", "tool": "echo", "parameters": {"value": "{{ lipsum.__globals__ }}"}},
            ],
        }
    )

    result = cli("validate", spec)

    assert result.exit_code == 2, result
    assert "steps[b].parameters.value: references step 'c', which is not an ancestor" in (
        result.stderr
    )
    assert "steps[c].parameters.value: references unknown step 'ghost'" in result.stderr
    assert "steps[d].when: TemplateSyntaxError" in result.stderr
    assert "steps[e].parameters.value: unknown name 'lipsum'" in result.stderr
    assert "4 problems" in result.stderr


def test_inputs_that_fail_the_schema_are_refused_and_nothing_is_written(cli: Cli) -> None:
    spec = copy_example(cli, "etl.yaml")
    (cli.cwd / "inputs.yaml").write_text("date: yesterday\ncolour: red\n", encoding="utf-8")

    result = cli("create", spec, "--inputs-file", "inputs.yaml")
    missing = cli("run", spec)

    assert result.exit_code == 2, result
    assert "invalid plan inputs" in result.stderr
    assert "inputs.date: 'yesterday' does not match" in result.stderr
    assert "'colour' was unexpected" in result.stderr
    assert missing.exit_code == 2, missing
    assert "'date' is a required property" in missing.stderr
    assert cli.stored_event_count() == 0
