"""The lean `status`'s libpq session reads what psycopg reads, refuses the rest, never writes."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from adapters.store import libpq_session
from adapters.store.libpq_session import LibpqError, LibpqSession, open_session
from adapters.store.postgres_url import postgres_address

pytestmark = pytest.mark.postgres

OPTIONS = "-c timezone=UTC"

EVERY_READABLE_TYPE = """
SELECT true, false, 'x'::"char", 'a name'::name, 9007199254740993::int8, (-7)::int2, 42::int4,
       'text with ''quotes'' and é', 0.1::float4, 0.1::float8, 1e300::float8,
       'v'::varchar, '2026-12-03 11:34:01.5'::timestamp, '2026-12-03 11:34:01.25+02'::timestamptz,
       '2026-12-03 11:34:01+00'::timestamptz, 'pg_class'::regclass,
       'a3e1f9c2-55d4-4c47-9a3e-3c1b9b8d0f11'::uuid, NULL::int4, NULL::text
"""


@pytest.fixture
def conninfo(postgres_available: str) -> str:
    return postgres_address(postgres_available).conninfo


@pytest.fixture
def session(conninfo: str) -> Iterator[LibpqSession]:
    with open_session(conninfo, OPTIONS) as opened:
        assert opened is not None, "no libpq could be loaded"
        yield opened


def test_every_column_type_it_reads_comes_back_as_psycopg_gives_it(
    session: LibpqSession, postgres_available: str
) -> None:
    with psycopg.connect(postgres_available, options=OPTIONS) as connection:
        expected = connection.execute(EVERY_READABLE_TYPE).fetchall()

    assert session.fetch(EVERY_READABLE_TYPE, ()) == expected


def test_parameters_travel_as_values_never_as_statement_text(session: LibpqSession) -> None:
    tricky = 'it\'s \\ a "test"; DROP TABLE x; --'
    names = ["plain", 'with "quotes"', "with, comma", "with \\ backslash", "{braces}", ""]
    plan_id = uuid.uuid4()

    [row] = session.fetch(
        "SELECT %s::text, %s::int8, %s::uuid, %s::text IS NULL, %s::bool",
        (tricky, 2**40, plan_id, None, True),
    )
    elements = session.fetch(
        "SELECT x FROM unnest(%s::text[]) WITH ORDINALITY AS a(x, n)", (names,)
    )

    assert row == (tricky, 2**40, plan_id, True, True)
    assert elements == [(name,) for name in names]


def test_a_column_of_a_type_it_cannot_read_is_refused_by_name(session: LibpqSession) -> None:
    with pytest.raises(LibpqError, match="of type 1700"):
        session.fetch("SELECT 1.5::numeric", ())


def test_a_failing_statement_raises_the_servers_message(session: LibpqSession) -> None:
    with pytest.raises(LibpqError, match="no_such_table"):
        session.fetch("SELECT * FROM no_such_table", ())


def test_placeholders_and_parameters_must_agree(session: LibpqSession) -> None:
    with pytest.raises(LibpqError, match="2 placeholders for 1 parameters"):
        session.fetch("SELECT %s, %s", ("one",))


def test_the_session_cannot_write(session: LibpqSession) -> None:
    with pytest.raises(LibpqError, match="read-only transaction"):
        session.fetch("CREATE TABLE libpq_session_must_not_create (x int)", ())


def test_a_server_that_refuses_the_connection_raises(conninfo: str) -> None:
    wrong_port = conninfo.replace("port=", "port=1") + " connect_timeout=2"

    with pytest.raises(LibpqError), open_session(wrong_port, OPTIONS):
        pass


def test_no_libpq_to_load_gives_no_session(conninfo: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(libpq_session, "_bundled_libpq", list)
    monkeypatch.setattr(libpq_session, "_LIBRARY_NAMES", ("libpq-not-here.so.5",))

    with open_session(conninfo, OPTIONS) as opened:
        assert opened is None


def test_a_libpq_left_in_the_working_directory_is_never_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = tmp_path / "psycopg_binary.libs"
    planted.mkdir()
    (planted / "libpq-planted.so.5").write_bytes(b"not a library")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), *sys.path])

    candidates = libpq_session._bundled_libpq()

    assert candidates, "psycopg-binary's own libpq should still be found"
    assert not [c for c in candidates if str(tmp_path) in c or not Path(c).is_absolute()]


def test_a_url_password_with_quotes_spaces_and_keywords_connects_both_ways(
    postgres_available: str,
) -> None:
    """The server trusts this machine, so any password is let in: what could go wrong is only
    how the URL reaches libpq (before quoting, this one sent it to a socket in /nowhere)."""
    password = quote("it's a \\ host=/nowhere port=1", safe="")
    url = postgres_available.replace("postgres@", f"postgres:{password}@", 1)
    conninfo = postgres_address(url).conninfo

    with open_session(conninfo, OPTIONS) as session:
        assert session is not None
        assert session.fetch("SELECT current_user", []) == [("postgres",)]
    with psycopg.connect(conninfo) as connection:
        assert connection.execute("SELECT current_user").fetchone() == ("postgres",)
