"""The lean `--help` and `status`: no heavy import, and the very answer the full app gives.

`planledger status ID` on a local SQLite or a PostgreSQL store is answered from the read models
when they are as current as the log (`adapters.cli.lean_status`); every test here compares it,
stdout, stderr and exit code, with the full app (`PLANLEDGER_FULL_CLI=1`) on the same store, and
checks from the modules the process imported which of the two answered.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from .conftest import CALL_TIMEOUT_S, DB_NAME, Cli, CliResult, cli_environment, wait_until

HEAVY = ("pydantic", "eventsourcing", "psycopg", "typer", "core", "fastapi", "httpx", "uvicorn")
"""Top-level packages neither lean path may import."""

_TRACE = """
import atexit, json, sys
target = sys.argv[1]
def dump():
    with open(target, "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(dump)
sys.argv = ["planledger", *sys.argv[2:]]
from adapters.cli.entry import main
main()
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_cli(request: pytest.FixtureRequest, cli: Cli) -> Cli:
    """The CLI on a SQLite file, then on a PostgreSQL schema."""
    if request.param == "sqlite":
        return cli
    return Cli(cli.cwd, request.getfixturevalue("postgres_url"))


def traced(cli: Cli, *args: str, store: bool = True) -> tuple[CliResult, set[str]]:
    """Run `planledger [--store STORE] ARGS` through the entry point; also which packages loaded."""
    modules_file = cli.cwd / "modules.json"
    options = ["--store", cli.store] if store else []
    argv = [sys.executable, "-c", _TRACE, str(modules_file), *options, *args]
    completed = subprocess.run(
        argv,
        cwd=cli.cwd,
        env=cli_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT_S,
        check=False,
    )
    assert modules_file.exists(), completed.stderr
    modules = json.loads(modules_file.read_text())
    packages = {name.partition(".")[0] for name in modules}
    result = CliResult(tuple(args), completed.returncode, completed.stdout, completed.stderr)
    return result, packages


def full(cli: Cli, *args: str) -> CliResult:
    """The same call through the full typer app."""
    cli.env = {"PLANLEDGER_FULL_CLI": "1"}
    try:
        return cli(*args)
    finally:
        cli.env = {}


def assert_same_status(cli: Cli, plan_id: str, *, lean: bool) -> int:
    """`status` and `status --json` as the full app prints them; `lean`: answered leanly."""
    for extra in ((), ("--json",)):
        answered, packages = traced(cli, "status", plan_id, *extra)
        expected = full(cli, "status", plan_id, *extra)
        assert (answered.stdout, answered.stderr, answered.exit_code) == (
            expected.stdout,
            expected.stderr,
            expected.exit_code,
        )
        assert ("core" not in packages) is lean, sorted(packages & set(HEAVY))
    return expected.exit_code


def echo_spec(**options: Any) -> dict[str, Any]:
    return {
        "name": "lean",
        "description": "two quick steps",
        "options": options,
        "steps": [
            {"id": "say", "tool": "echo", "parameters": {"value": {"said": "hi [red]x[/]"}}},
            {"id": "then", "tool": "echo", "depends_on": ["say"], "parameters": {"value": 1}},
        ],
    }


def test_help_imports_nothing_heavy_and_lists_every_command(cli: Cli) -> None:
    answered, packages = traced(cli, "--help", store=False)

    assert answered.exit_code == 0
    assert "Usage: planledger [OPTIONS] COMMAND [ARGS]..." in answered.stdout
    assert "│ status " in answered.stdout
    assert not packages & {*HEAVY, "rich", "click"}


def test_status_of_a_completed_plan_is_answered_leanly_without_heavy_imports(any_cli: Cli) -> None:
    plan_id = any_cli("run", any_cli.write_spec(echo_spec()), "--json").json()["id"]

    answered, packages = traced(any_cli, "status", plan_id)

    assert answered.exit_code == 0, answered
    assert not packages & set(HEAVY), sorted(packages & set(HEAVY))  # psycopg too: libpq reads
    assert assert_same_status(any_cli, plan_id, lean=True) == 0


def test_failed_plan_exits_1_with_the_full_apps_table(any_cli: Cli) -> None:
    ran = any_cli("run", any_cli.spec("check_fails.yaml"), "--json")

    assert assert_same_status(any_cli, ran.json()["id"], lean=True) == 1


def test_plan_with_inputs_and_outputs_answers_the_same(any_cli: Cli) -> None:
    spec = {
        "description": "inputs and outputs",
        "outputs": {"greeting": "{{ steps.say.result }}"},
        "steps": [
            {"id": "say", "tool": "echo", "parameters": {"value": "hi {{ plan.inputs.who }}"}}
        ],
    }
    ran = any_cli("run", any_cli.write_spec(spec), "--input", "who=bob", "--json")
    assert ran.exit_code == 0, ran

    assert assert_same_status(any_cli, ran.json()["id"], lean=True) == 0


def test_approved_and_paused_plans_answer_the_same(any_cli: Cli) -> None:
    plan_id = any_cli("create", any_cli.write_spec(echo_spec(require_approval=True))).stdout.strip()
    assert any_cli("approve", plan_id, "--by", "alice").exit_code == 0
    assert assert_same_status(any_cli, plan_id, lean=True) == 0

    paused = any_cli("pause", plan_id, "--by", "carol", "--reason", "freeze [b]now[/]")

    assert paused.exit_code == 0, paused
    assert assert_same_status(any_cli, plan_id, lean=True) == 0


def test_a_plan_waiting_for_approval_goes_to_the_full_app_which_names_the_deadline(
    cli: Cli,
) -> None:
    spec = echo_spec(require_approval=True, approval_timeout_ms=600_000)
    plan_id = cli("create", cli.write_spec(spec)).stdout.strip()

    assert assert_same_status(cli, plan_id, lean=False) == 3
    assert "approval deadline" in full(cli, "status", plan_id).stderr


def external_step_started(cli: Cli, plan_id: str, step_id: str) -> bool:
    """Whether the store file holds the `StepStarted` of `step_id`, read without the CLI."""
    with contextlib.closing(sqlite3.connect(cli.cwd / DB_NAME)) as connection:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM stored_events WHERE originator_id = ? "
            "AND topic = 'core.domain.events:StepStarted' AND CAST(state AS TEXT) LIKE ?",
            [uuid.UUID(plan_id).hex, f'%"step_id":"{step_id}"%'],
        ).fetchone()
    return bool(count)


def test_a_plan_half_done_after_a_killed_run_answers_the_same(cli: Cli, tmp_path: Path) -> None:
    spec = {
        "description": "waits on an external step",
        "steps": [
            {"id": "build", "tool": "echo", "parameters": {"value": "built"}},
            {"id": "sign", "tool": "external", "depends_on": ["build"]},
        ],
    }
    plan_id = cli("create", cli.write_spec(spec), "--by", "alice").stdout.strip()
    runner = cli.start("execute", plan_id, output=tmp_path / "run.out")
    try:
        # read from the file itself: a `status` here would catch the read models up
        wait_until(
            lambda: external_step_started(cli, plan_id, "sign"),
            timeout=CALL_TIMEOUT_S,
            what="the external step to start",
        )
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=CALL_TIMEOUT_S)
    assert assert_same_status(cli, plan_id, lean=False) == 0  # the run never projected
    assert cli("projections", "rebuild").exit_code == 0

    assert assert_same_status(cli, plan_id, lean=True) == 0


def test_read_models_behind_the_log_go_to_the_full_app(cli: Cli) -> None:
    plan_id = cli("run", cli.write_spec(echo_spec()), "--json").json()["id"]
    with contextlib.closing(sqlite3.connect(cli.cwd / DB_NAME)) as connection, connection:
        connection.execute(
            "UPDATE projection_tracking SET position = position - 1 WHERE name = 'plan_summary'"
        )

    assert assert_same_status(cli, plan_id, lean=False) == 0


@pytest.mark.parametrize("plan_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000001"])
def test_an_unknown_plan_gets_the_full_apps_error(any_cli: Cli, plan_id: str) -> None:
    any_cli("run", any_cli.write_spec(echo_spec()))

    assert assert_same_status(any_cli, plan_id, lean=False) == 2


def test_secret_inputs_and_a_result_stored_by_reference_answer_the_same(any_cli: Cli) -> None:
    assert any_cli("secrets", "init-key", "master.key").exit_code == 0
    spec = {
        "description": "a secret and a large result",
        "inputs_schema": {
            "type": "object",
            "properties": {"password": {"type": "string", "writeOnly": True}},
        },
        "steps": [
            {"id": "big", "tool": "echo", "parameters": {"value": "x" * 70_000}},
            {"id": "use", "tool": "echo", "parameters": {"value": "{{ plan.inputs.password }}"}},
        ],
        "outputs": {"said": "{{ steps.use.result }}"},
    }
    any_cli.env = {"PLANLEDGER_SECRETS_KEY": str(any_cli.cwd / "master.key")}
    ran = any_cli("run", any_cli.write_spec(spec), "--input", "password=s3cret-pw", "--json")
    any_cli.env = {}
    assert ran.exit_code == 0, ran

    # PostgreSQL's jsonb row lost the order of the reference's keys: the full app answers
    lean = not any_cli.store.startswith("postgresql")
    assert assert_same_status(any_cli, ran.json()["id"], lean=lean) == 0
    assert "s3cret-pw" not in traced(any_cli, "status", ran.json()["id"], "--json")[0].stdout


def on_schema(pg_cli: Cli, statement: str) -> None:
    """Run `statement` in the PostgreSQL store's schema, as its owner."""
    url, _, schema = pg_cli.store.partition("?schema=")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"SET search_path TO {schema}")
        connection.execute(statement)  # type: ignore[arg-type]  # the tests' own constants


@pytest.mark.postgres
def test_postgresql_read_models_behind_the_log_go_to_the_full_app(pg_cli: Cli) -> None:
    plan_id = pg_cli("run", pg_cli.write_spec(echo_spec()), "--json").json()["id"]
    on_schema(
        pg_cli,
        "UPDATE projection_tracking SET position = position - 1 WHERE name = 'plan_summary'",
    )

    assert assert_same_status(pg_cli, plan_id, lean=False) == 0


@pytest.mark.postgres
def test_a_disabled_append_only_guard_goes_to_the_full_app_which_refuses(pg_cli: Cli) -> None:
    plan_id = pg_cli("run", pg_cli.write_spec(echo_spec()), "--json").json()["id"]
    on_schema(pg_cli, "ALTER TABLE planledger_events DISABLE TRIGGER planledger_events_no_truncate")

    answered, packages = traced(pg_cli, "status", plan_id)

    assert "core" in packages
    assert answered.exit_code == 5, answered
    assert "planledger_events_no_truncate" in answered.stderr
