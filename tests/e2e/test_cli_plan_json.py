"""One JSON shape for a plan: `status --json` is what every command that prints a plan prints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import Cli, wait_until

APPROVAL_TIMEOUT_MS = 200


def spec(**options: Any) -> dict[str, Any]:
    return {
        "description": "one quick step",
        "options": options,
        "steps": [{"id": "say", "tool": "echo", "parameters": {"value": "hi"}}],
    }


def test_run_execute_wait_and_plans_show_print_what_status_prints(cli: Cli) -> None:
    ran = cli("run", cli.write_spec(spec()), "--json")
    plan_id = ran.json()["id"]

    status = cli("status", plan_id, "--json")
    executed = cli("execute", plan_id, "--json")
    waited = cli("wait", plan_id, "--json")
    shown = cli("plans", "show", plan_id, "--json")

    assert ran.exit_code == 0, ran
    assert status.json()["status"] == "completed"
    assert ran.json() == status.json()
    assert executed.json() == status.json()
    assert waited.exit_code == 0, waited
    assert waited.json() == {**status.json(), "timed_out": False}
    assert shown.json() == status.json()


def test_a_wait_that_times_out_prints_the_plan_with_timed_out_beside_it(cli: Cli) -> None:
    plan_id = cli("create", cli.write_spec(spec(require_approval=True))).stdout.strip()

    waited = cli("wait", plan_id, "--timeout", "0.1", "--json")
    status = cli("status", plan_id, "--json")

    assert waited.exit_code == 124, waited
    assert waited.json() == {**status.json(), "timed_out": True}


def test_status_past_the_approval_deadline_writes_nothing_and_the_next_command_records_it(
    cli: Cli,
) -> None:
    plan = cli.write_spec(spec(require_approval=True, approval_timeout_ms=APPROVAL_TIMEOUT_MS))
    plan_id = cli("create", plan).stdout.strip()
    history = cli("history", plan_id, "--json").json()
    [deadline_text] = [e["approval_deadline"] for e in history if e["type"] == "PlanSubmitted"]
    deadline = datetime.fromisoformat(deadline_text)
    wait_until(lambda: datetime.now(UTC) > deadline, timeout=10, what="the approval deadline")
    stored = cli.stored_event_count()

    status = cli("status", plan_id, "--json")
    after_status = cli.stored_event_count()
    approved = cli("approve", plan_id, "--by", "alice")
    ended = cli("status", plan_id, "--json")

    assert status.exit_code == 3, status
    assert status.json()["status"] == "pending_approval"
    assert f"approval deadline {deadline_text}" in status.stderr
    assert after_status == stored
    assert approved.exit_code == 2, approved
    assert "it is rejected" in approved.stderr
    assert ended.exit_code == 1, ended
    assert (ended.json()["status"], ended.json()["reason"]) == ("rejected", "approval expired")
    assert cli.stored_event_count() == stored + 1
