"""A `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]` URL read into its parts.

Standard library only: `store_url` builds the library's settings from it, and the CLI's lean
`status` connects with it without importing `core`.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit


class PostgresAddress(NamedTuple):
    """Where a PostgreSQL store lives: server, database, role and schema (a named tuple:
    `dataclasses` would add a tenth of the lean `status`'s imports)."""

    host: str
    port: int
    database: str
    user: str
    password: str
    schema: str

    @property
    def conninfo(self) -> str:
        """A libpq connection string (the password included when there is one)."""
        conninfo = (
            f"host={self.host} port={self.port} dbname={self.database} user={self.user}"
            " connect_timeout=10"
        )
        return conninfo + (f" password={self.password}" if self.password else "")

    @property
    def display(self) -> str:
        """The URL without its password, to show people."""
        return (
            f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}?schema={self.schema}"
        )


def postgres_address(url: str) -> PostgresAddress:
    """The parts of a PostgreSQL store URL; `ValueError` says what is wrong with it."""
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ValueError("a postgresql URL needs a database name")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ValueError("the port is not a number") from None
    query = parse_qs(parts.query)
    unknown = set(query) - {"schema"}
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    schema = query.get("schema", ["public"])[0]
    if not schema.isidentifier():
        raise ValueError(f"schema {schema!r} is not a plain identifier")
    return PostgresAddress(
        host=parts.hostname or "127.0.0.1",
        port=port,
        database=database,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        schema=schema,
    )
