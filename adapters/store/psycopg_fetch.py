"""A psycopg connection as a `catalog_rows.Fetch`, for the checks written against one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from adapters.store.catalog_rows import Fetch


def fetch_on(connection: psycopg.Connection[Any]) -> Fetch:
    """Statements run on `connection`, rows as tuples whatever its row factory."""
    cursor = connection.cursor(row_factory=tuple_row)

    def fetch(query: str, params: Sequence[object]) -> Sequence[Sequence[object]]:
        return cursor.execute(query, params).fetchall()

    return fetch
