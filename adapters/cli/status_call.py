"""Which `status` call the arguments make, read without the typer app (see `adapters.cli.entry`).

Only `planledger [--store URL] status ID [--json]` on a plain `sqlite:///PATH` file or a
`postgresql://` URL qualifies; any other option, setting or store leaves the call to the full
app.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple
from uuid import UUID

from adapters.store.postgres_url import PostgresAddress, postgres_address

DEFAULT_STORE = "sqlite:///planledger.db"
LEAN_VARIABLES = frozenset({"PLANLEDGER_STORE", "PLANLEDGER_ACTOR", "PLANLEDGER_WORKER"})
"""The only `PLANLEDGER_*` settings a lean `status` may see: none of them changes its answer.
Any other (a server, trusted keys, logging, a password file...) sends the call to the app."""


class StatusCall(NamedTuple):
    """`status` on a local SQLite file or a PostgreSQL store, as the arguments and environment
    name it."""

    store: str | PostgresAddress
    """The SQLite file's absolute path, or the PostgreSQL store's address."""
    plan_id: UUID
    as_json: bool


def status_call(arguments: Sequence[str], environ: Mapping[str, str]) -> StatusCall | None:
    """The `status` call these arguments make, if the lean path may try it; else None."""
    if any(_outside_lean(name) for name in environ):
        return None
    store = environ.get("PLANLEDGER_STORE", DEFAULT_STORE)
    rest = list(arguments)
    while rest and rest[0].startswith("--store"):
        option = rest.pop(0)
        if option == "--store" and rest:
            store = rest.pop(0)
        elif option.startswith("--store="):
            store = option.removeprefix("--store=")
        else:
            return None
    if not rest or rest[0] != "status":
        return None
    options = [word for word in rest[1:] if word.startswith("-")]
    positional = [word for word in rest[1:] if not word.startswith("-")]
    if len(positional) != 1 or any(option != "--json" for option in options):
        return None
    where = _sqlite_file(store) or _postgres(store)
    plan_id = _plan_id(positional[0])
    if where is None or plan_id is None:
        return None
    return StatusCall(where, plan_id, bool(options))


def _outside_lean(name: str) -> bool:
    """A setting the lean path does not look at (OpenTelemetry's may print spans)."""
    if name.startswith("PLANLEDGER_"):
        return name not in LEAN_VARIABLES
    return name.startswith("OTEL_")


def _sqlite_file(url: str) -> str | None:
    """The file of a plain `sqlite:///PATH` URL (no host, query, escapes or in-memory database)
    when it exists; with any of those the full app decides what the URL means."""
    path = url.removeprefix("sqlite:///")
    if path == url or path in ("", ":memory:") or any(mark in path for mark in "?#%"):
        return None
    return os.path.abspath(path) if os.path.isfile(path) else None


def _postgres(url: str) -> PostgresAddress | None:
    """The address of a `postgresql://` store URL; a bad URL is the full app's to explain."""
    if not url.startswith(("postgresql://", "postgres://")):
        return None
    try:
        return postgres_address(url)
    except ValueError:
        return None


def _plan_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
