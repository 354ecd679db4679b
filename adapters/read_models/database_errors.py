"""The one place where sqlite3's and psycopg's exceptions from read-model SQL become core errors.

Two families: the database cannot be used right now (a connection failure, a lock timeout) —
that is `StoreUnavailableError` and nothing is recorded; or a statement failed because of what
it wrote (a constraint, a bad value) — that is a projection failure, recorded in the tracking
row by the projector, because running the same batch again would fail the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from core import StoreUnavailableError

UNAVAILABLE: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.errors.InsufficientPrivilege,
)
"""Failures of the database, not of the rows: retried later, never recorded (a role that may
only read, as an auditor's, cannot write any row)."""

STATEMENT_FAILURES: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
"""Every other driver error: the rows or statement were refused (a projection failure)."""

TRANSLATED: dict[type[Exception], type[Exception]] = {
    sqlite3.OperationalError: StoreUnavailableError,
    psycopg.OperationalError: StoreUnavailableError,
    psycopg.InterfaceError: StoreUnavailableError,
    psycopg.errors.InsufficientPrivilege: StoreUnavailableError,
}
"""Driver exception -> the core error it becomes at this boundary (pinned by a test)."""


def is_unavailable(error: BaseException) -> bool:
    """True when the error says the database is unusable rather than the statement wrong."""
    return isinstance(error, UNAVAILABLE)


@contextmanager
def translated_database_errors(display: str) -> Iterator[None]:
    """Re-raise an unavailable database as `StoreUnavailableError`, without the traceback."""
    try:
        yield
    except UNAVAILABLE as error:
        raise StoreUnavailableError(display, _first_line(error)) from None


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
