"""Shared fixtures: real stores (memory, SQLite files, PostgreSQL) and a loud skip for PostgreSQL.

PostgreSQL tests use `PLANLEDGER_TEST_POSTGRES` (default postgresql://postgres@127.0.0.1:5432/test),
each test in a fresh schema that is dropped afterwards. With CI=true an unreachable server fails
the run; elsewhere those tests skip and the summary says so loudly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
_skipped_postgres: list[str] = []


def postgres_dsn() -> str:
    return os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_DSN)


def _postgres_problem() -> str | None:
    try:
        with psycopg.connect(postgres_dsn(), connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_available() -> str:
    problem = _postgres_problem()
    if problem is None:
        return postgres_dsn()
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but PostgreSQL at {postgres_dsn()} is unreachable: {problem}")
    pytest.skip(f"PostgreSQL unreachable at {postgres_dsn()}: {problem}")


@pytest.fixture
def postgres_url(postgres_available: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A store URL naming a fresh schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_available}?schema={schema}"
    with psycopg.connect(postgres_available, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "PostgreSQL unreachable" in str(report.longrepr):
        _skipped_postgres.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_postgres:
        terminalreporter.section("POSTGRESQL TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped_postgres)} PostgreSQL tests were SKIPPED: "
            f"no server at {postgres_dsn()}."
        )
        for nodeid in _skipped_postgres:
            terminalreporter.write_line(f"  skipped: {nodeid}")
    else:
        ran = terminalreporter.stats.get("passed", [])
        count = sum(1 for report in ran if "postgres" in report.keywords)
        terminalreporter.write_line(f"PostgreSQL tests executed: {count}")
