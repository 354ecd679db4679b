"""A read-only PostgreSQL session over libpq itself, through ctypes, for the CLI's lean `status`.

`import psycopg` takes about 120 ms on this machine kind before a single byte is sent: most of
what a `status` call may cost. libpq, the PostgreSQL project's client library that psycopg
wraps too, loads in a few milliseconds. This module declares the handful of libpq functions a
text-mode query needs, and reads the few column types the lean path asks for. It answers
`None` or raises `LibpqError` rather than guess:

- no libpq to load: neither psycopg-binary's own copy nor the system's (`open_session` -> None);
- a failed connection or statement, or a column of a type not in `_DECODERS`: `LibpqError`.

Either way the caller falls back to the full app, which reads through psycopg. Every value
goes to the server as a parameter, never into the statement's text.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

_LIBRARY_NAMES = ("libpq.so.5", "libpq.5.dylib")
_PACKAGE_FOLDERS = ("site-packages", "dist-packages")
_CONNECTION_OK = 0
_COMMAND_OK = 1
_TUPLES_OK = 2


class LibpqError(Exception):
    """libpq refused to connect or to run a statement, or sent a value this module cannot read."""


_DECODERS: dict[int, Callable[[str], object]] = {
    16: lambda text: text == "t",  # bool
    18: str,  # "char"
    19: str,  # name
    20: int,  # int8
    21: int,  # int2
    23: int,  # int4
    25: str,  # text
    700: float,  # float4
    701: float,  # float8
    1043: str,  # varchar
    1114: datetime.fromisoformat,  # timestamp
    1184: datetime.fromisoformat,  # timestamptz ("2026-12-03 11:34:01.5+00")
    2205: str,  # regclass
    2950: UUID,  # uuid
}
"""Column type OIDs (`pg_type.oid`) this session reads, as psycopg would give them."""


def _load_libpq() -> ctypes.CDLL | None:
    """psycopg-binary's libpq (the one psycopg itself uses), else the system's, else None."""
    for candidate in (*_bundled_libpq(), *_LIBRARY_NAMES):
        try:
            library = ctypes.CDLL(candidate)
        except OSError:
            continue
        _declare(library)
        return library
    return None


def _bundled_libpq() -> list[str]:
    """The libpq that psycopg-binary ships beside itself, found in the interpreter's package
    folders without importing psycopg (`psycopg_binary.libs/` on Linux, `psycopg_binary/.dylibs/`
    on macOS). Only absolute `site-packages` entries are looked in: never the working directory,
    where anyone could leave a library to be loaded."""
    found: list[str] = []
    for entry in sys.path:
        if not (os.path.isabs(entry) and os.path.basename(entry) in _PACKAGE_FOLDERS):
            continue
        for folder in (
            os.path.join(entry, "psycopg_binary.libs"),
            os.path.join(entry, "psycopg_binary", ".dylibs"),
        ):
            with contextlib.suppress(OSError):
                names = sorted(name for name in os.listdir(folder) if name.startswith("libpq"))
                found += [os.path.join(folder, name) for name in names]
    return found


def _declare(library: ctypes.CDLL) -> None:
    """Argument and result types of the functions used (ctypes would assume `int` otherwise)."""
    pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures: dict[str, tuple[list[type], type | None]] = {
        "PQconnectdb": ([text], pointer),
        "PQstatus": ([pointer], number),
        "PQerrorMessage": ([pointer], text),
        "PQfinish": ([pointer], None),
        "PQexecParams": (
            [pointer, text, number, pointer, ctypes.POINTER(text), pointer, pointer, number],
            pointer,
        ),
        "PQresultStatus": ([pointer], number),
        "PQresultErrorMessage": ([pointer], text),
        "PQntuples": ([pointer], number),
        "PQnfields": ([pointer], number),
        "PQftype": ([pointer, number], ctypes.c_uint),
        "PQgetisnull": ([pointer, number, number], number),
        "PQgetvalue": ([pointer, number, number], text),
        "PQclear": ([pointer], None),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(library, name)
        function.argtypes = arguments
        function.restype = result


class LibpqSession:
    """One connection; `fetch` runs a statement with `%s` parameters and returns its rows."""

    def __init__(self, library: ctypes.CDLL, connection: int | None) -> None:
        self._pq = library
        self._connection = connection

    def fetch(self, query: str, params: Sequence[object]) -> list[tuple[object, ...]]:
        """All rows of `query`, each `%s` in it bound to the next of `params` (as text)."""
        pieces = query.split("%s")
        if len(pieces) != len(params) + 1:
            raise LibpqError(f"{len(pieces) - 1} placeholders for {len(params)} parameters")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        values = (ctypes.c_char_p * max(len(params), 1))(*(_parameter(p) for p in params))
        result = self._pq.PQexecParams(
            self._connection, numbered.encode(), len(params), None, values, None, None, 0
        )
        try:
            status = self._pq.PQresultStatus(result)
            if status not in (_TUPLES_OK, _COMMAND_OK):
                message = self._pq.PQresultErrorMessage(result) or b"no result"
                raise LibpqError(message.decode(errors="replace").strip())
            return list(self._rows(result))
        finally:
            self._pq.PQclear(result)

    def _rows(self, result: int | None) -> Iterator[tuple[object, ...]]:
        pq = self._pq
        decoders = []
        for column in range(pq.PQnfields(result)):
            oid = pq.PQftype(result, column)
            decoder = _DECODERS.get(oid)
            if decoder is None:
                raise LibpqError(
                    f"column {column} is of type {oid}, which this session cannot read"
                )
            decoders.append(decoder)
        for row in range(pq.PQntuples(result)):
            yield tuple(
                None
                if pq.PQgetisnull(result, row, column)
                else decode(pq.PQgetvalue(result, row, column).decode())
                for column, decode in enumerate(decoders)
            )


def _parameter(value: object) -> bytes | None:
    """A parameter in PostgreSQL's text form (an array of strings as an array literal)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, str | int | UUID):
        return str(value).encode()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        escaped = (item.replace("\\", "\\\\").replace('"', '\\"') for item in value)
        return ("{" + ",".join(f'"{item}"' for item in escaped) + "}").encode()
    raise LibpqError(f"a parameter of type {type(value).__name__} is not supported")


def _conninfo_value(value: str) -> str:
    """`value` quoted for a libpq connection string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def open_session(conninfo: str, options: str) -> Iterator[LibpqSession | None]:
    """A session in one read-only REPEATABLE READ transaction (one snapshot for every read),
    rolled back on exit; None when no libpq can be loaded."""
    library = _load_libpq()
    if library is None:
        yield None
        return
    full = f"{conninfo} options={_conninfo_value(options)} client_encoding=UTF8"
    connection = library.PQconnectdb(full.encode())
    try:
        if library.PQstatus(connection) != _CONNECTION_OK:
            message = library.PQerrorMessage(connection) or b"cannot connect"
            raise LibpqError(message.decode(errors="replace").strip())
        session = LibpqSession(library, connection)
        session.fetch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", ())
        try:
            yield session
        finally:
            session.fetch("ROLLBACK", ())
    finally:
        library.PQfinish(connection)
