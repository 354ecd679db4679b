"""Store URLs (`sqlite:///path`, `postgresql://...`, `memory://`) -> the library's settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.store.sqlite_file import inspect_sqlite_file
from core import InvalidStoreUrlError

SCHEMES = ("sqlite", "postgresql", "postgres", "memory")

POSTGRES_PERSISTENCE = "adapters.store.postgres_recorder:PlanLedgerPostgresFactory"
"""The library's PostgreSQL persistence with planledger's recorder (lock-free, gap-safe log)."""


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
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": database,
        "SQLITE_LOCK_TIMEOUT": "30",
    }
    if read_only:
        env["CREATE_TABLE"] = "n"
    return StoreConfig("sqlite", env, display, read_only=read_only)


def _postgres(url: str) -> StoreConfig:
    parts = urlsplit(url)
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise InvalidStoreUrlError(url, "a postgresql URL needs a database name")
    try:
        port = parts.port or 5432
    except ValueError:
        raise InvalidStoreUrlError(url, "the port is not a number") from None
    query = parse_qs(parts.query)
    unknown = set(query) - {"schema"}
    if unknown:
        raise InvalidStoreUrlError(url, f"unknown parameter(s): {', '.join(sorted(unknown))}")
    schema = query.get("schema", ["public"])[0]
    if not schema.isidentifier():
        raise InvalidStoreUrlError(url, f"schema {schema!r} is not a plain identifier")
    user = unquote(parts.username or "postgres")
    host = parts.hostname or "127.0.0.1"
    env = {
        "PERSISTENCE_MODULE": POSTGRES_PERSISTENCE,
        "POSTGRES_DBNAME": database,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_CONNECT_TIMEOUT": "10",
    }
    conninfo = f"host={host} port={port} dbname={database} user={user} connect_timeout=10"
    if parts.password:
        conninfo += f" password={unquote(parts.password)}"
    return StoreConfig(
        "postgresql",
        env,
        f"postgresql://{user}@{host}:{port}/{database}?schema={schema}",
        schema,
        conninfo,
    )
