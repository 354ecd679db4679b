"""Approval, rejection and cancellation across separate CLI invocations, and the history.

Each test runs twice: on the store, and through `--server` to a `planledger serve` on it.
"""

from __future__ import annotations

from uuid import UUID

import pytest

from .conftest import Cli


def create(cli: Cli, spec: str) -> str:
    created = cli("create", spec)
    assert created.exit_code == 0, created
    return created.stdout.strip()


@pytest.mark.slow
def test_only_a_listed_approver_can_release_a_plan_and_its_history_tells_the_whole_story(
    cli_here_or_remote: Cli,
) -> None:
    cli = cli_here_or_remote
    spec = cli.spec("release_needs_approval.yaml")

    created = cli("create", spec)
    plan_id = created.stdout.strip()
    waiting = cli("status", plan_id, "--json")
    before = cli("history", plan_id, "--json")
    refused = cli("approve", plan_id, "--by", "mallory")
    after = cli("history", plan_id, "--json")

    assert created.exit_code == 0, created
    assert created.stdout == f"{UUID(plan_id)}\n"
    assert waiting.exit_code == 3, waiting
    assert waiting.json()["status"] == "pending_approval"
    assert refused.exit_code == 2, refused
    assert refused.stdout == ""
    [message] = refused.stderr.strip().splitlines()
    assert "'mallory' may not approve" in message
    assert "allowed approvers: alice" in message
    assert after.json() == before.json()

    approved = cli("approve", plan_id, "--by", "alice", "--comment", "looks good")
    executed = cli("execute", plan_id)
    history = cli("history", plan_id, "--json")

    assert approved.exit_code == 0, approved
    assert approved.stdout == f"{plan_id} approved\n"
    assert executed.exit_code == 0, executed
    assert history.exit_code == 0, history
    records = history.json()
    assert [record["version"] for record in records] == list(range(1, len(records) + 1))
    for record in records:
        assert {"version", "type", "timestamp", "actor"} <= record.keys()
        assert record["plan_id"] == plan_id
    assert records[0]["type"] == "PlanCreated"
    assert records[0]["spec"]["options"]["approvers"] == ["alice"]
    assert records[-1]["type"] == "PlanCompleted"
    [approval] = [record for record in records if record["type"] == "PlanApproved"]
    assert (approval["by"], approval["comment"]) == ("alice", "looks good")
    completed = [record["step_id"] for record in records if record["type"] == "StepCompleted"]
    assert completed == ["draft", "spellcheck", "publish"]


def test_a_rejected_plan_never_runs_and_status_exits_1(cli_here_or_remote: Cli) -> None:
    cli = cli_here_or_remote
    plan_id = create(cli, cli.spec("release_needs_approval.yaml"))

    rejected = cli("reject", plan_id, "--by", "alice", "--reason", "typos in the title")
    status = cli("status", plan_id, "--json")

    assert rejected.exit_code == 0, rejected
    assert rejected.stdout == f"{plan_id} rejected\n"
    assert status.exit_code == 1, status
    view = status.json()
    assert view["status"] == "rejected"
    assert "typos in the title" in view["reason"]
    assert {step["status"] for step in view["steps"]} == {"pending"}


def test_cancelling_a_plan_that_waits_for_approval_ends_it_cancelled(
    cli_here_or_remote: Cli,
) -> None:
    cli = cli_here_or_remote
    plan_id = create(cli, cli.spec("release_needs_approval.yaml"))

    cancelled = cli("cancel", plan_id, "--by", "bob", "--reason", "wrong branch")
    status = cli("status", plan_id, "--json")

    assert cancelled.exit_code == 0, cancelled
    assert cancelled.stdout == f"{plan_id} cancelled\n"
    assert status.exit_code == 1, status
    assert status.json()["status"] == "cancelled"
