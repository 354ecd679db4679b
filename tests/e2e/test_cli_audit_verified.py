"""`audit ID --verified` and `audit export --verified`: each read-model row checked against its
event, so an edited `audit_log` row is named and the command exits 1."""

from __future__ import annotations

import json
import sqlite3

import psycopg
from psycopg import sql

from .conftest import Cli

NEEDS_APPROVAL = {
    "description": "Ship after a human says so",
    "options": {"require_approval": True},
    "steps": [{"id": "ship", "tool": "echo", "parameters": {"value": "shipped"}}],
}


def approved_plan(cli: Cli) -> str:
    plan_id = cli("create", cli.write_spec(NEEDS_APPROVAL), "--by", "ann").stdout.strip()
    assert cli("approve", plan_id, "--by", "bob").exit_code == 0
    return plan_id


def edit_audit_log(cli: Cli, plan_id: str, actor: str) -> None:
    """What an insider with the database's password does: rename who approved."""
    statement = "UPDATE {} SET actor = %s WHERE plan_id = %s AND action = 'approved'"
    if cli.store.startswith("sqlite:///"):
        with sqlite3.connect(cli.store.removeprefix("sqlite:///")) as connection:
            cursor = connection.execute(
                statement.format("audit_log").replace("%s", "?"), [actor, plan_id]
            )
            assert cursor.rowcount == 1
        return
    dsn, _, schema = cli.store.partition("?schema=")
    with psycopg.connect(dsn, autocommit=True) as connection:
        cursor = connection.execute(
            sql.SQL(statement).format(sql.Identifier(schema, "audit_log")), [actor, plan_id]
        )
        assert cursor.rowcount == 1


def test_every_untouched_row_is_proven_by_its_event(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    plan_id = approved_plan(cli)

    trail = cli("audit", plan_id, "--verified", "--json")
    export = cli("audit", "export", "--verified")

    assert trail.exit_code == 0, trail
    assert [(row["action"], row["verified"]) for row in trail.json()] == [
        ("created", True),
        ("approved", True),
    ]
    assert export.exit_code == 0, export
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert [(row["action"], row["verified"]) for row in rows] == [
        ("created", True),
        ("approved", True),
    ]


def test_an_edited_actor_is_named_and_both_commands_exit_1(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    plan_id = approved_plan(cli)
    edit_audit_log(cli, plan_id, "ceo")

    unchecked = cli("audit", plan_id, "--json")
    trail = cli("audit", plan_id, "--verified", "--json")
    export = cli("audit", "export", "--verified")

    assert unchecked.exit_code == 0, unchecked
    assert [row["actor"] for row in unchecked.json()] == ["ann", "ceo"]
    assert trail.exit_code == 1, trail
    [forged] = [row for row in trail.json() if row["verified"] is False]
    assert (forged["action"], forged["actor"]) == ("approved", "ceo")
    assert "actor is 'ceo', the event says 'bob'" in forged["problem"]
    assert export.exit_code == 1, export
    assert "1 action(s) not proven" in export.stderr
    exported = [json.loads(line) for line in export.stdout.splitlines()]
    assert [row["verified"] for row in exported] == [True, False]
