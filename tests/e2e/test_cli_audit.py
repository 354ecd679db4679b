"""`planledger audit verify` and `show --at`, driven as an auditor drives them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.integration.raw_events import raw_events_for

from .conftest import Cli

RETRIED_AND_FAILED = {
    "description": "Retry a failing check once, then give up",
    "steps": [
        {"id": "prepare", "tool": "echo", "parameters": {"value": "ready"}},
        {
            "id": "check",
            "tool": "shell",
            "parameters": {"command": "false"},
            "depends_on": ["prepare"],
            "max_retries": 1,
        },
        {"id": "ship", "tool": "echo", "parameters": {"value": "shipped"}, "depends_on": ["check"]},
    ],
}


def run_plan(cli: Cli) -> UUID:
    """Run the retried-and-failed plan; return its id."""
    result = cli("run", cli.write_spec(RETRIED_AND_FAILED), "--json")
    assert result.exit_code == 1, result
    return UUID(result.json()["id"])


def history(cli: Cli, plan_id: UUID) -> list[dict[str, Any]]:
    result = cli("history", str(plan_id), "--json")
    assert result.exit_code == 0, result
    records: list[dict[str, Any]] = result.json()
    return records


@pytest.fixture
def two_plans(cli_on_each_store: Cli) -> tuple[Cli, UUID, UUID]:
    cli = cli_on_each_store
    return cli, run_plan(cli), run_plan(cli)


def test_a_clean_store_verifies_and_exits_0(two_plans: tuple[Cli, UUID, UUID]) -> None:
    cli, _, _ = two_plans

    as_json = cli("audit", "verify", "--all", "--json")
    for_people = cli("audit", "verify", "--all")

    assert as_json.exit_code == 0, as_json
    assert as_json.json() == {"plans_checked": 2, "findings": []}
    assert for_people.exit_code == 0, for_people
    assert "verified 2 plans" in for_people.stdout


def test_a_tampered_plan_is_named_with_its_version_and_problem_and_exits_1(
    two_plans: tuple[Cli, UUID, UUID],
) -> None:
    cli, clean, tampered = two_plans
    raw = raw_events_for(cli.store)
    try:
        raw.change_field(tampered, 5, "worker", "mallory")
    finally:
        raw.close()

    as_json = cli("audit", "verify", "--all", "--json")
    for_people = cli("audit", "verify", "--all")
    only_clean = cli("audit", "verify", str(clean), "--json")

    assert as_json.exit_code == 1, as_json
    assert as_json.json() == {
        "plans_checked": 2,
        "findings": [{"plan_id": str(tampered), "version": 5, "problem": "changed"}],
    }
    assert for_people.exit_code == 1, for_people
    assert f"plan {tampered} at version 5: changed" in for_people.stdout
    assert str(clean) not in for_people.stdout
    assert only_clean.exit_code == 0, only_clean
    assert only_clean.json() == {"plans_checked": 1, "findings": []}


def test_a_deleted_last_event_is_missing_against_the_head_the_read_model_kept(
    two_plans: tuple[Cli, UUID, UUID],
) -> None:
    cli, _, tampered = two_plans
    last = history(cli, tampered)[-1]["version"]
    raw = raw_events_for(cli.store)
    try:
        raw.delete(tampered, last)
    finally:
        raw.close()

    result = cli("audit", "verify", str(tampered), "--json")

    assert result.exit_code == 1, result
    assert result.json()["findings"] == [
        {"plan_id": str(tampered), "version": last, "problem": "missing"}
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "verify"),
        ("audit", "verify", "--all", "00000000-0000-0000-0000-000000000001"),
        ("audit", "verify", "00000000-0000-0000-0000-000000000001"),
        ("audit", "verify", "not-a-plan-id"),
    ],
    ids=["neither", "both", "unknown", "malformed"],
)
def test_verify_needs_exactly_one_known_plan_or_all_and_exits_2_otherwise(
    cli: Cli, args: tuple[str, ...]
) -> None:
    run_plan(cli)

    result = cli(*args)

    assert result.exit_code == 2, result


def test_show_at_a_version_is_the_plan_as_it_was_and_at_the_last_one_equals_status(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    plan_id = run_plan(cli)
    records = history(cli, plan_id)
    status = cli("status", str(plan_id), "--json").json()
    first_failure = next(r["version"] for r in records if r["type"] == "StepFailed")

    views = {
        version: cli("show", str(plan_id), "--at", str(version), "--json")
        for version in (1, first_failure, len(records))
    }

    assert all(view.exit_code == 0 for view in views.values()), views
    assert [view.json()["version"] for view in views.values()] == list(views)
    assert views[1].json()["status"] == "draft"
    check = views[first_failure].json()["steps"][1]
    assert (check["status"], check["attempts"], check["error"]["type"]) == (
        "pending",
        1,
        "exit_code",
    )
    assert views[len(records)].json() == status


def test_show_at_an_iso_time_is_the_plan_after_the_last_event_at_or_before_it(cli: Cli) -> None:
    plan_id = run_plan(cli)
    records = history(cli, plan_id)
    middle = records[len(records) // 2]
    expected = max(r["version"] for r in records if r["timestamp"] <= middle["timestamp"])

    result = cli("show", str(plan_id), "--at", middle["timestamp"], "--json")
    for_people = cli("show", str(plan_id), "--at", middle["timestamp"])

    assert result.exit_code == 0, result
    assert result.json()["version"] == expected
    assert result.json() == cli("show", str(plan_id), "--at", str(expected), "--json").json()
    assert for_people.exit_code == 0, for_people
    assert f"as of version {expected}" in for_people.stdout


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("0", "versions start at 1"),
        ("99", "its last version is"),
        ("2001-01-01T00:00:00Z", "it was created at"),
        ("yesterday", "neither a version nor an ISO-8601 time"),
    ],
    ids=["version-0", "beyond-last", "before-creation", "malformed"],
)
def test_show_at_a_point_outside_the_history_exits_2_saying_why(
    cli: Cli, at: str, message: str
) -> None:
    plan_id = run_plan(cli)

    result = cli("show", str(plan_id), "--at", at)

    assert result.exit_code == 2, result
    assert message in " ".join(result.stderr.split())
