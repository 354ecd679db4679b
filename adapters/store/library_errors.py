"""The one place where the eventsourcing library's and psycopg's exceptions become core errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)

from core import ConcurrencyError, StoreUnavailableError

TRANSLATED: dict[type[Exception], type[Exception]] = {
    IntegrityError: ConcurrencyError,
    OperationalError: StoreUnavailableError,
    InterfaceError: StoreUnavailableError,
    PersistenceError: StoreUnavailableError,
    psycopg.OperationalError: StoreUnavailableError,
    psycopg.Error: StoreUnavailableError,
    sqlite3.Error: StoreUnavailableError,
}
"""Library exception -> the core error it becomes (pinned by a test)."""


@contextmanager
def translated_errors(store: str, plan_id: UUID | None = None, version: int = 0) -> Iterator[None]:
    """Re-raise library exceptions as core errors, without the library's traceback."""
    try:
        yield
    except IntegrityError:
        raise ConcurrencyError(plan_id or UUID(int=0), version) from None
    except (PersistenceError, psycopg.Error, sqlite3.Error) as error:
        # the drivers' own errors escape the library where it sets a connection up, and a
        # role without the rights to a table is refused by psycopg directly
        raise StoreUnavailableError(store, _first_line(error)) from None


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
