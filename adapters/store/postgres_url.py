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
        """A libpq connection string (the password included when there is one).

        Every value is quoted: a password or name with a space, a quote or a backslash reaches
        the server as it is, and none can add a keyword of its own (`x host=elsewhere`).
        """
        conninfo = (
            f"host={_quoted(self.host)} port={self.port} dbname={_quoted(self.database)}"
            f" user={_quoted(self.user)} connect_timeout=10"
        )
        return conninfo + (f" password={_quoted(self.password)}" if self.password else "")

    @property
    def display(self) -> str:
        """The URL without its password, to show people."""
        return (
            f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}?schema={self.schema}"
        )


def _quoted(value: str) -> str:
    """A libpq connection-string value: in single quotes, with `\\` and `'` escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


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
