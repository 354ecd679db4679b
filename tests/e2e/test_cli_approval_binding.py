"""An approval covers the spec it approved: a revision sends the plan back for approval; who may
approve, retry or skip is checked, and each refusal exits 2 having written nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Cli
from .workers import WorkerProcess, shell_step, spec

GATED: dict[str, Any] = {
    "description": "a security scan gates the deploy",
    "options": {"require_approval": True, "approvers": ["alice", "bob"]},
    "steps": [
        {"id": "scan", "tool": "shell", "parameters": {"command": "false"}},
        {
            "id": "deploy",
            "tool": "echo",
            "parameters": {"value": "harmless"},
            "depends_on": ["scan"],
        },
    ],
}


def create(cli: Cli, spec: dict[str, Any], by: str = "carol") -> str:
    created = cli("create", cli.write_spec(spec), "--by", by)
    assert created.exit_code == 0, created
    return created.stdout.strip()


def history(cli: Cli, plan_id: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = cli("history", plan_id, "--json").json()
    return records


def test_a_revision_after_approval_waits_for_a_new_approval_then_runs_as_revised(cli: Cli) -> None:
    spec = {**GATED, "steps": [{"id": "hello", "tool": "echo", "parameters": {"value": "hi"}}]}
    plan_id = create(cli, spec)
    assert cli("approve", plan_id, "--by", "alice").exit_code == 0

    revised = cli(
        "revise",
        "change",
        plan_id,
        "hello",
        "--parameters-json",
        '{"value": "PWNED"}',
        "--by",
        "mallory",
        "--reason",
        "sneaky",
    )
    executed = cli("execute", plan_id, "--json")

    assert revised.exit_code == 0, revised
    assert executed.exit_code == 3, executed
    assert executed.json()["status"] == "pending_approval"
    types = [record["type"] for record in history(cli, plan_id)]
    assert types[-2:] == ["StepRevised", "ApprovalVoided"]
    assert "StepStarted" not in types
    trail = cli("audit", plan_id, "--json").json()
    assert ("approval_voided", "mallory") in {(row["action"], row["actor"]) for row in trail}

    reapproved = cli("approve", plan_id, "--by", "bob")
    ran = cli("execute", plan_id, "--json")

    assert reapproved.exit_code == 0, reapproved
    assert ran.exit_code == 0, ran
    assert ran.json()["steps"][0]["result"] == "PWNED"
    approvals = [r for r in history(cli, plan_id) if r["type"] == "PlanApproved"]
    assert approvals[0]["spec_digest"] != approvals[1]["spec_digest"]


@pytest.mark.parametrize("actor", ["carol", "dave"], ids=["creator", "reviser"])
def test_separation_of_duties_refuses_the_creator_and_a_reviser_with_exit_2(
    cli: Cli, actor: str
) -> None:
    spec = {**GATED, "options": {"require_approval": True, "separation_of_duties": True}}
    plan_id = create(cli, spec, by="carol")
    revised = cli(
        "revise",
        "change",
        plan_id,
        "deploy",
        "--parameters-json",
        '{"value": "v2"}',
        "--by",
        "dave",
        "--reason",
        "bump",
    )
    assert revised.exit_code == 0, revised
    before = history(cli, plan_id)

    refused = cli("approve", plan_id, "--by", actor)

    assert refused.exit_code == 2, refused
    assert "separation of duties" in " ".join(refused.stderr.split())
    assert history(cli, plan_id) == before
    assert cli("approve", plan_id, "--by", "erin").exit_code == 0


@pytest.mark.parametrize("command", ["skip", "retry"])
def test_only_an_approver_may_skip_or_retry_a_gate_step_and_a_refusal_writes_nothing(
    cli: Cli, command: str
) -> None:
    plan_id = create(cli, GATED)
    assert cli("approve", plan_id, "--by", "alice").exit_code == 0
    assert cli("execute", plan_id).exit_code == 1
    before = history(cli, plan_id)

    extra = ["--reason", "let it through"]
    refused = cli(command, plan_id, "scan", "--by", "mallory", *extra)

    assert refused.exit_code == 2, refused
    assert "only they may" in " ".join(refused.stderr.split())
    assert history(cli, plan_id) == before
    allowed = cli(command, plan_id, "scan", "--by", "bob", *extra)
    assert allowed.exit_code == 0, allowed
    trail = cli("audit", plan_id, "--json").json()
    assert trail[-1]["actor"] == "bob"
    assert trail[-1]["action"] == ("step_skipped" if command == "skip" else "step_retried")


@pytest.mark.postgres
@pytest.mark.slow
def test_workers_without_a_projector_are_lag_for_verify_never_a_forgery(
    initialised: Cli, workers: Callable[..., WorkerProcess]
) -> None:
    plan = initialised.write_spec(spec(shell_step("a", "true"), shell_step("b", "true")))
    plan_id = initialised("submit", plan).stdout.strip()
    workers(initialised, "w1")

    waited = initialised("wait", plan_id, "--timeout", "20")
    as_json = initialised("audit", "verify", "--all", "--json")
    for_people = initialised("audit", "verify", "--all")

    assert waited.exit_code == 0, waited
    assert as_json.exit_code == 0, as_json
    assert as_json.json()["findings"] == []
    assert as_json.json()["lag"]["events"] > 0
    assert "only naive tampering is detectable" in " ".join(as_json.stderr.split())
    assert for_people.exit_code == 0, for_people
    assert "lag:" in for_people.stdout
