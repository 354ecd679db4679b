"""Rows from PostgreSQL through any driver: the callable the store's self-checks read with.

The checks of the events table (is it migrated? is its append-only guard intact?) run on a
psycopg connection when a store opens, and in the CLI's lean `status`, which reads through
libpq itself so as not to pay for psycopg's import. Written against `Fetch`, they are one set of
checks on both. This module imports no driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Fetch = Callable[[str, Sequence[object]], Sequence[Sequence[object]]]
"""Runs one statement, `%s` marking each parameter, and returns all its rows as tuples."""


def quoted(*names: str) -> str:
    """`"schema"."name"`: identifiers quoted as PostgreSQL (and psycopg's `sql.Identifier`) do."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)
