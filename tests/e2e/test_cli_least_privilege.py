"""`db init --print-sql`: the role statements a database administrator runs by hand, which
leave the application a role that may read and append events and nothing more."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from adapters.store.event_store import POSTGRES_EVENTS_TABLE

from .conftest import Cli

ECHO = {
    "description": "Say hi",
    "steps": [{"id": "hello", "tool": "echo", "parameters": {"value": "hi"}}],
}


@pytest.fixture
def roles(pg_cli: Cli) -> Iterator[tuple[str, str]]:
    """Two role names of this test's own; dropped with what they own afterwards."""
    suffix = uuid.uuid4().hex[:10]
    owner, app = f"t_owner_{suffix}", f"t_app_{suffix}"
    yield owner, app
    with psycopg.connect(pg_cli.store.partition("?")[0], autocommit=True) as admin:
        for role in (app, owner):
            if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def existing_roles(cli: Cli, *names: str) -> set[str]:
    with psycopg.connect(cli.store.partition("?")[0]) as connection:
        found = connection.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [list(names)]
        )
        return {str(row[0]) for row in found}


@pytest.mark.postgres
def test_printed_statements_run_nothing_and_then_confine_the_application(
    pg_cli: Cli, roles: tuple[str, str]
) -> None:
    owner, app = roles
    assert pg_cli("db", "init").exit_code == 0

    printed = pg_cli("db", "init", "--owner-role", owner, "--app-role", app, "--print-sql")

    assert printed.exit_code == 0, printed
    statements = printed.stdout.splitlines()
    assert f'CREATE ROLE "{owner}" NOLOGIN;' in statements
    assert f'CREATE ROLE "{app}" LOGIN;' in statements
    assert existing_roles(pg_cli, owner, app) == set()

    dsn, _, schema = pg_cli.store.partition("?schema=")
    with psycopg.connect(dsn, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement.encode())
    as_app = pg_cli.store.replace("postgresql://postgres@", f"postgresql://{app}@")
    created = pg_cli("create", pg_cli.write_spec(ECHO), store=as_app)
    assert created.exit_code == 0, created
    executed = pg_cli("execute", created.stdout.strip(), store=as_app)

    assert executed.exit_code == 0, executed
    events = sql.Identifier(schema, POSTGRES_EVENTS_TABLE)
    with (
        psycopg.connect(as_app.partition("?")[0]) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(sql.SQL("DELETE FROM {}").format(events))


def test_print_sql_on_sqlite_is_refused_naming_the_option(cli: Cli) -> None:
    result = cli("db", "init", "--owner-role", "o", "--app-role", "a", "--print-sql")

    assert result.exit_code == 2, result
    assert "--owner-role" in result.stderr
