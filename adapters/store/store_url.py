"""Store URLs (`sqlite:///path`, `postgresql://...`, `memory://`) -> the library's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from adapters.store.postgres_url import postgres_address
from adapters.store.sqlite_file import inspect_sqlite_file
from core import InvalidStoreUrlError

SCHEMES = ("sqlite", "postgresql", "postgres", "memory")

POSTGRES_PERSISTENCE = "adapters.store.postgres_recorder:PlanLedgerPostgresFactory"
"""The library's PostgreSQL persistence with planledger's recorder (lock-free, gap-safe log)."""

SQLITE_PERSISTENCE = "adapters.store.sqlite_recorder:PlanLedgerSqliteFactory"
"""The library's SQLite persistence with planledger's recorder (a lean append)."""


@dataclass(frozen=True)
class StoreConfig:
    """A parsed store URL: which backend, the library settings, and what to show users.

    `read_only` is set for an SQLite file that cannot be written (see `sqlite_file`).
    """

    kind: str
    env: dict[str, str] = field(default_factory=dict)
    display: str = ""
    schema: str | None = None
    conninfo: str | None = None
    read_only: bool = False


def parse_store_url(url: str) -> StoreConfig:
    """Translate a store URL into settings, or raise `InvalidStoreUrlError` saying why."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or "://" not in url:
        raise InvalidStoreUrlError(
            url, "expected sqlite:///PATH, postgresql://USER@HOST/DB or memory://"
        )
    if scheme == "memory":
        return StoreConfig("memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"}, "memory://")
    if scheme == "sqlite":
        return _sqlite(url, parts.netloc, parts.path)
    return _postgres(url)


def _sqlite(url: str, host: str, path: str) -> StoreConfig:
    if host:
        raise InvalidStoreUrlError(
            url, "a sqlite URL has no host: use sqlite:///relative.db or sqlite:////abs.db"
        )
    if path in ("", "/"):
        raise InvalidStoreUrlError(url, "a sqlite URL needs a file path")
    database = unquote(path[1:])
    display = f"sqlite:///{database}"
    read_only = False
    if database == ":memory:":
        database = "file:planledger?mode=memory&cache=shared"
        display = f"sqlite:///{database}"
    elif not Path(database).parent.is_dir() and Path(database).parent != Path(""):
        raise InvalidStoreUrlError(url, f"directory {str(Path(database).parent)!r} does not exist")
    else:
        checked = inspect_sqlite_file(url, database)
        database, read_only = checked.database, checked.read_only
    env = {
        "PERSISTENCE_MODULE": SQLITE_PERSISTENCE,
        "SQLITE_DBNAME": database,
        "SQLITE_LOCK_TIMEOUT": "30",
    }
    if read_only:
        env["CREATE_TABLE"] = "n"
    return StoreConfig("sqlite", env, display, read_only=read_only)


def _postgres(url: str) -> StoreConfig:
    try:
        address = postgres_address(url)
    except ValueError as problem:
        raise InvalidStoreUrlError(url, str(problem)) from None
    env = {
        "PERSISTENCE_MODULE": POSTGRES_PERSISTENCE,
        "POSTGRES_DBNAME": address.database,
        "POSTGRES_HOST": address.host,
        "POSTGRES_PORT": str(address.port),
        "POSTGRES_USER": address.user,
        "POSTGRES_PASSWORD": address.password,
        "POSTGRES_SCHEMA": address.schema,
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }
    return StoreConfig("postgresql", env, address.display, address.schema, address.conninfo)
