"""`planledger audit ID` and `audit export`: who did what, read from the audit_log view."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .conftest import Cli

NEEDS_APPROVAL = {
    "description": "Ship after a human says so",
    "options": {"require_approval": True},
    "steps": [{"id": "ship", "tool": "echo", "parameters": {"value": "shipped"}}],
}


def create(cli: Cli, by: str) -> str:
    result = cli("create", cli.write_spec(NEEDS_APPROVAL), "--by", by)
    assert result.exit_code == 0, result
    return result.stdout.strip()


def trail(cli: Cli, plan_id: str) -> list[dict[str, Any]]:
    result = cli("audit", plan_id, "--json")
    assert result.exit_code == 0, result
    actions: list[dict[str, Any]] = result.json()
    return actions


def test_audit_id_lists_each_action_with_actor_reason_version_and_event_hash(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    approved, rejected = create(cli, "ann"), create(cli, "ann")
    assert cli("approve", approved, "--by", "bob", "--comment", "looks right").exit_code == 0
    assert cli("reject", rejected, "--by", "eve", "--reason", "wrong window").exit_code == 0
    events = cli("history", approved, "--json").json()

    actions = trail(cli, approved)
    for_people = cli("audit", rejected)

    assert [(a["action"], a["actor"], a["reason"]) for a in actions] == [
        ("created", "ann", None),
        ("approved", "bob", "looks right"),
    ]
    hashes = {event["version"]: event["hash"] for event in events}
    assert all(action["event_hash"] == hashes[action["version"]] for action in actions)
    assert for_people.exit_code == 0, for_people
    assert "rejected" in for_people.stdout
    assert "wrong window" in for_people.stdout
    assert approved not in for_people.stdout


def test_audit_of_an_unknown_or_malformed_plan_exits_2_naming_it(cli: Cli) -> None:
    unknown = "00000000-0000-0000-0000-000000000001"

    results = [cli("audit", unknown), cli("audit", "not-a-plan-id")]

    assert [result.exit_code for result in results] == [2, 2]
    assert unknown in results[0].stderr
    assert "not-a-plan-id" in results[1].stderr


def test_export_writes_every_action_in_time_order_as_jsonl_or_csv(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    first, second = create(cli, "ann"), create(cli, "ann")
    assert cli("approve", second, "--by", "bob").exit_code == 0
    expected = sorted(trail(cli, first) + trail(cli, second), key=lambda a: a["at"])

    jsonl = cli("audit", "export")
    table = cli("audit", "export", "--format", "csv")
    since = cli("audit", "export", "--since", expected[-1]["at"])

    assert jsonl.exit_code == table.exit_code == since.exit_code == 0
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == expected
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["plan_id"], r["version"], r["action"]) for r in rows] == [
        (a["plan_id"], str(a["version"]), a["action"]) for a in expected
    ]
    assert [json.loads(line) for line in since.stdout.splitlines()] == expected[-1:]
    assert "exported 3 actions" in jsonl.stderr


def test_export_to_a_file_and_a_bad_format_or_time_exits_2(cli: Cli) -> None:
    create(cli, "ann")
    target = cli.cwd / "audit.csv"

    written = cli("audit", "export", "--format", "csv", "--output", str(target))
    bad_format = cli("audit", "export", "--format", "xml")
    bad_time = cli("audit", "export", "--since", "yesterday")

    assert written.exit_code == 0, written
    assert [row["action"] for row in csv.DictReader(io.StringIO(target.read_text()))] == ["created"]
    assert bad_format.exit_code == bad_time.exit_code == 2
    assert "--format" in bad_format.stderr
    assert "--since" in bad_time.stderr
