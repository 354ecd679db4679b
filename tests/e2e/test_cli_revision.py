"""Live revision and fork through the CLI: what a user types, what is recorded and audited."""

from __future__ import annotations

import json

from .conftest import Cli


def test_a_waiting_plan_is_revised_refused_once_approved_and_run_as_revised(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "revised before approval",
            "options": {"require_approval": True},
            "steps": [
                {"id": "a", "tool": "echo", "parameters": {"value": "A"}},
                {"id": "b", "tool": "echo", "depends_on": ["a"], "parameters": {"value": "B"}},
            ],
        }
    )
    plan_id = cli("create", spec, "--by", "ann").stdout.strip()
    new_step = {"id": "c", "tool": "echo", "depends_on": ["b"], "parameters": {"value": "C"}}

    added = cli(
        "revise",
        "add",
        plan_id,
        "--step-json",
        json.dumps(new_step),
        "--by",
        "bob",
        "--reason",
        "report",
    )
    changed = cli(
        "revise",
        "change",
        plan_id,
        "b",
        "--parameters-json",
        '{"value": "B2"}',
        "--retries",
        "1",
        "--by",
        "bob",
        "--reason",
        "fix",
    )
    refused = cli("revise", "remove", plan_id, "a", "--by", "bob", "--reason", "orphans b")
    events_after_refusal = cli.stored_event_count()
    cli("approve", plan_id, "--by", "dan")
    ran = cli("execute", plan_id, "--json")
    audit = cli("audit", plan_id, "--json")

    assert (added.exit_code, changed.exit_code) == (0, 0), (added, changed)
    assert refused.exit_code == 2
    assert "steps[b].depends_on" in refused.stderr
    assert "orphan" in refused.stderr
    assert events_after_refusal == 4
    assert ran.exit_code == 0, ran
    steps = {step["id"]: step for step in ran.json()["steps"]}
    assert steps["b"]["result"] == "B2"
    assert steps["c"]["status"] == "completed"
    rows = [(row["action"], row["actor"], row["reason"]) for row in audit.json()]
    assert ("step_added", "bob", "step 'c': report") in rows
    assert ("step_revised", "bob", "step 'b' (parameters, max_retries): fix") in rows


def test_a_failed_plan_is_forked_from_its_failed_step_reusing_what_came_before(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "needs a flag file",
            "steps": [
                {"id": "a", "tool": "echo", "parameters": {"value": "A"}},
                {
                    "id": "check",
                    "tool": "shell",
                    "depends_on": ["a"],
                    "parameters": {"command": ["test", "-f", "flag"]},
                },
                {
                    "id": "ship",
                    "tool": "echo",
                    "depends_on": ["check"],
                    "parameters": {"value": "S"},
                },
            ],
        }
    )
    source = cli("run", spec, "--json")
    source_id = source.json()["id"]
    (cli.cwd / "flag").write_text("ok", encoding="utf-8")

    unknown = cli("fork", source_id, "--from", "ghost")
    forked = cli("fork", source_id, "--from", "check", "--by", "bob", "--json")
    ran = cli("execute", forked.json()["id"], "--json")
    history = cli("history", forked.json()["id"], "--json").json()
    shown = cli("plans", "show", forked.json()["id"], "--json").json()

    assert source.exit_code == 1
    assert unknown.exit_code == 2
    assert "no step 'ghost'" in unknown.stderr
    assert forked.exit_code == 0, forked
    link = {"plan_id": source_id, "version": source.json()["version"], "from_step": "check"}
    assert forked.json()["forked_from"] == link
    assert shown["forked_from"] == link
    assert ran.exit_code == 0, ran
    started = [record["step_id"] for record in history if record["type"] == "StepStarted"]
    reused = [record["step_id"] for record in history if record["type"] == "StepResultReused"]
    assert (started, reused) == (["check", "ship"], ["a"])
    steps = {step["id"]: step for step in shown["steps"]}
    assert (steps["a"]["status"], steps["a"]["attempts"], steps["a"]["result"]) == (
        "completed",
        0,
        "A",
    )


def test_a_step_file_added_by_revision_has_its_plan_file_inlined(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "grows a sub-plan before approval",
            "options": {"require_approval": True},
            "steps": [{"id": "a", "tool": "echo", "parameters": {"value": "A"}}],
        }
    )
    child = {
        "description": "the child",
        "steps": [{"id": "inner", "tool": "echo", "parameters": {"value": "in"}}],
        "outputs": {"said": "{{ steps.inner.result }}"},
    }
    cli.write_spec(child, "child.yaml")
    step = cli.write_spec({"id": "nested", "depends_on": ["a"], "plan": "child.yaml"}, "step.yaml")
    plan_id = cli("create", spec, "--by", "ann").stdout.strip()

    added = cli("revise", "add", plan_id, "--step", step, "--by", "bob", "--reason", "nest")
    approved = cli("approve", plan_id, "--by", "dan")
    ran = cli("execute", plan_id, "--json")

    assert added.exit_code == 0, added
    assert approved.exit_code == 0, approved
    assert ran.exit_code == 0, ran
    steps = {s["id"]: s for s in ran.json()["steps"]}
    assert steps["nested"]["result"] == {"said": "in"}
