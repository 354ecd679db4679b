"""Hostile or odd input, as an adversarial user tries it: a clear error, its exit code, no writes.

Stores that are not stores (a YAML file, another application's database), a store on a
read-only filesystem (reading works, writing is refused), specs nested too deep or built from
YAML alias bombs, and an approval by someone the plan does not allow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from .conftest import Cli

ECHO_SPEC = "description: one step\nsteps:\n  - {id: a, tool: echo, parameters: {value: 1}}\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("plan.yaml", ECHO_SPEC.encode(), id="a-yaml-file"),
        pytest.param("notes.db", b"just some text, not a database\n" * 10, id="a-text-file"),
    ],
)
def test_a_file_that_is_not_a_database_is_refused_as_the_store_and_left_untouched(
    cli: Cli, name: str, content: bytes
) -> None:
    (cli.cwd / name).write_bytes(content)
    spec = cli.write_spec(ECHO_SPEC, "spec.yaml")

    for args in (["run", spec], ["status", "00000000-0000-0000-0000-000000000001"]):
        result = cli(*args, store=f"sqlite:///{name}")

        assert result.exit_code == 2, result
        assert f"'{name}' is not an SQLite database" in result.stderr
        assert "Traceback" not in result.stderr
    assert (cli.cwd / name).read_bytes() == content


def test_another_applications_database_is_refused_and_left_untouched(cli: Cli) -> None:
    foreign = cli.cwd / "other.db"
    with contextlib.closing(sqlite3.connect(foreign)) as connection:
        connection.execute("CREATE TABLE stored_events (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO stored_events VALUES (1, 'theirs')")
        connection.commit()
    before = digest(foreign)
    spec = cli.write_spec(ECHO_SPEC)

    for args in (["run", spec], ["plans", "list"], ["audit", "verify", "--all"]):
        result = cli(*args, store="sqlite:///other.db")

        assert result.exit_code == 2, result
        assert "has a stored_events table of another application (columns id, name)" in (
            result.stderr
        )
    assert digest(foreign) == before


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[Path]:
    """`directory` seen through a read-only mount (as root), else with its write bits off."""
    view = directory.parent / f"{directory.name}-ro"
    view.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "--bind", str(directory), str(view)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
            yield view
        finally:
            subprocess.run(["umount", str(view)], check=True)
        return
    for path in directory.iterdir():
        path.chmod(0o444)
    directory.chmod(0o555)
    try:
        yield directory
    finally:
        directory.chmod(0o755)


def test_read_commands_work_on_a_read_only_copy_and_writing_is_refused(cli: Cli) -> None:
    spec = cli.write_spec(ECHO_SPEC)
    plan_id = cli("create", spec).stdout.strip()
    assert cli("execute", plan_id).exit_code == 0
    copy = cli.cwd / "copy"
    copy.mkdir()
    (copy / "x.db").write_bytes((cli.cwd / "x.db").read_bytes())  # the .db alone, as copied
    before = digest(copy / "x.db")

    with read_only(copy) as view:
        store = f"sqlite:///{view / 'x.db'}"
        status = cli("status", plan_id, "--json", store=store)
        history = cli("history", plan_id, "--json", store=store)
        verified = cli("audit", "verify", "--all", store=store)
        listed = cli("plans", "list", "--json", store=store)
        written = cli("run", spec, store=store)

    assert status.exit_code == 0, status
    assert status.json()["status"] == "completed"
    assert history.exit_code == 0, history
    assert [record["type"] for record in history.json()][-1] == "PlanCompleted"
    assert verified.exit_code == 0, verified
    assert "every hash chain holds" in verified.stdout
    assert listed.exit_code == 0, listed
    assert [plan["id"] for plan in listed.json()["plans"]] == [plan_id]
    assert written.exit_code == 4, written
    assert "it is read-only" in written.stderr
    assert "Traceback" not in written.stderr
    assert digest(copy / "x.db") == before


def nested_spec(levels: int, **options: object) -> dict[str, object]:
    spec: dict[str, object] = {
        "description": "leaf",
        "steps": [{"id": "x", "tool": "echo", "parameters": {"value": 1}}],
    }
    for level in range(levels):
        spec = {"description": f"level {level}", "steps": [{"id": f"s{level}", "plan": spec}]}
        if options:
            spec["options"] = options
    return spec


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(nested_spec(300), "nested too deeply to read", id="300-levels-of-sub-plans"),
        pytest.param(
            nested_spec(90, max_sub_plan_depth=100),
            "nests more than 200 levels deep",
            id="90-levels-each-allowing-100",
        ),
        pytest.param(
            {"description": "deep inputs", "steps": [{"id": "a", "tool": "echo", "parameters": {
                "value": json.loads("[" * 500 + "]" * 500)}}]},
            "nested too deeply to read",
            id="a-500-level-parameter",
        ),
    ],
)  # fmt: skip
def test_a_spec_nested_too_deep_is_refused_with_exit_2_and_nothing_is_written(
    cli: Cli, spec: dict[str, object], expected: str
) -> None:
    name = cli.write_spec(json.dumps(spec), "deep.yaml")  # JSON is YAML, and writes fast

    result = cli("run", name)

    assert result.exit_code == 2, result
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert cli.stored_event_count() == 0


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "description: laughs\nsteps: [{id: s, tool: echo, parameters: {value: *i}}]\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(BILLION_LAUGHS, "aliases expand to more than", id="billion-laughs"),
        pytest.param(
            "description: x\nsteps: &s [{id: s, tool: echo, parameters: {value: *s}}]\n",
            "refers to a mapping or list that contains it",
            id="an-alias-inside-itself",
        ),
    ],
)
def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(
    cli: Cli, text: str, expected: str
) -> None:
    name = cli.write_spec(text)

    result = cli("run", name)

    assert result.exit_code == 2, result
    assert expected in result.stderr
    assert cli.stored_event_count() == 0


def test_yaml_anchors_that_expand_modestly_are_still_allowed(cli: Cli) -> None:
    name = cli.write_spec(
        "description: anchors\nsteps:\n"
        "  - &step {id: a, tool: echo, parameters: {value: 1}}\n"
        "  - {<<: *step, id: b}\n"
    )

    result = cli("run", name)

    assert result.exit_code == 0, result


def stored_events(cli: Cli) -> int:
    if cli.store.startswith("sqlite"):
        return cli.stored_event_count()
    dsn, _, schema = cli.store.partition("?schema=")
    with psycopg.connect(dsn, autocommit=True) as connection:
        found = connection.execute(
            "SELECT to_regclass(%s)", (f"{schema}.planledger_events",)
        ).fetchone()
        if found is None or found[0] is None:
            return 0
        row = connection.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "planledger_events"))
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_run_approved_as_someone_not_allowed_creates_nothing_at_all(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    name = cli.write_spec(
        "description: needs alice\noptions: {require_approval: true, approvers: [alice]}\n"
        "steps:\n  - {id: a, tool: echo, parameters: {value: 1}}\n"
    )

    result = cli("run", name, "--approve-as", "mallory")

    assert result.exit_code == 2, result
    assert "'mallory' may not approve" in result.stderr
    assert "allowed approvers: alice" in result.stderr
    assert "plan " not in result.stdout
    assert stored_events(cli) == 0


@pytest.mark.postgres
def test_read_commands_work_for_a_postgresql_role_that_may_only_read(pg_cli: Cli) -> None:
    spec = pg_cli.write_spec(ECHO_SPEC)
    assert pg_cli("db", "init").exit_code == 0
    plan_id = pg_cli("create", spec).stdout.strip()
    assert pg_cli("execute", plan_id).exit_code == 0
    dsn, _, schema = pg_cli.store.partition("?schema=")
    reader = f"reader_{schema}"
    statements = [
        sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(reader)),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
            sql.Identifier(schema), sql.Identifier(reader)
        ),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), sql.Identifier(reader)
        ),
    ]
    with psycopg.connect(dsn, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)
    store = pg_cli.store.replace("postgres@", f"{reader}@", 1)
    try:
        status = pg_cli("status", plan_id, "--json", store=store)
        verified = pg_cli("audit", "verify", "--all", store=store)
        history = pg_cli("history", plan_id, "--json", store=store)
        written = pg_cli("run", spec, store=store)
        events = stored_events(pg_cli)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(reader)))
            connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(reader)))

    assert status.exit_code == 0, status
    assert status.json()["status"] == "completed"
    assert verified.exit_code == 0, verified
    assert history.exit_code == 0, history
    assert written.exit_code == 4, written
    assert "permission denied" in written.stderr
    assert "Traceback" not in written.stderr
    assert events == len(history.json())
