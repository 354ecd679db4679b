"""`planledger db init`: every table of a store, created once under the set-up advisory lock.

The work table is created last, so its presence means the whole store is set up: commands that
need it (`worker`, `submit`) check for it and refuse with `StoreNotInitialisedError` instead of
racing each other to create tables.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from adapters.audit.checkpoints import ensure_checkpoint_table
from adapters.read_models import open_read_model_database
from adapters.store import StoreConfig, open_event_store
from adapters.store.append_only_guard import install_guard
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.store.least_privilege import apply_roles, role_statements
from adapters.store.postgres_setup import schema_lock

WORK_TABLE = "planledger_work"
"""One row per submitted plan: its idempotency key, its lease, and what its last owner saw."""

WORK_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS {table} ("
    " plan_id uuid PRIMARY KEY,"
    " submit_key text UNIQUE,"
    " submitted_at timestamptz NOT NULL DEFAULT now(),"
    " owner text,"
    " expires_at timestamptz,"
    " seen_version integer NOT NULL DEFAULT 0,"
    " due_at timestamptz,"
    " done boolean NOT NULL DEFAULT false,"
    " last_owner text,"
    " crashes integer NOT NULL DEFAULT 0,"
    " last_crash text)"
)
"""`owner`/`expires_at` are the lease; a plan is claimable when its lease is free or expired and
it has events newer than `seen_version` or `due_at` has come (an approval deadline). `crashes`
counts the times in a row its processing crashed an engine (`last_crash` says how); a clean
hand-back sets it to 0."""

CRASH_COLUMNS_DDL = (
    "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS crashes integer NOT NULL DEFAULT 0,"
    " ADD COLUMN IF NOT EXISTS last_crash text"
)
"""The crash count came later: a work table made before it gets its columns here."""

OPEN_WORK_INDEX_DDL = "CREATE INDEX IF NOT EXISTS {index} ON {table} (submitted_at) WHERE NOT done"


def init_store(config: StoreConfig, roles: tuple[str, str] | None = None) -> list[str]:
    """Create the events, read-model, checkpoint and work tables that are missing; return what
    exists now (and what had to be restored).

    Safe to run twice and from several processes at once: each part is created under the
    store's set-up advisory lock (PostgreSQL) or inside one write transaction (SQLite). On
    PostgreSQL a disabled or replaced append-only guard is restored (it needs the table's
    owner), and with `roles` (owner, application) each object is handed to its role.
    """
    if config.kind == "postgresql":
        assert config.conninfo is not None
        assert config.schema is not None
        with schema_lock(config.conninfo, config.schema) as connection:
            restored = install_guard(connection, config.schema, POSTGRES_EVENTS_TABLE)
    else:
        restored = []
    open_event_store(config).close()
    database = open_read_model_database(config)
    try:
        with database.transaction(write_lock=True) as session:
            ensure_checkpoint_table(session)
    finally:
        database.close()
    parts = ["events", "read models", "checkpoints"]
    if restored:
        parts.append("append-only guard restored (" + "; ".join(restored) + ")")
    if config.kind == "postgresql":
        assert config.conninfo is not None
        assert config.schema is not None
        with schema_lock(config.conninfo, config.schema) as connection:
            create_work_table(connection, config.schema)
            if roles is not None:
                owner, app = roles
                apply_roles(
                    connection,
                    role_statements(connection, config.schema, POSTGRES_EVENTS_TABLE, owner, app),
                )
        parts.append("work table")
        if roles is not None:
            parts.append(f"roles {roles[0]} (owner) and {roles[1]} (application)")
    return parts


def roles_sql(config: StoreConfig, owner: str, app: str) -> list[str]:
    """The role statements `init_store` would run, as text (for `db init --print-sql`)."""
    assert config.conninfo is not None
    assert config.schema is not None
    with schema_lock(config.conninfo, config.schema) as connection:
        statements = role_statements(connection, config.schema, POSTGRES_EVENTS_TABLE, owner, app)
        return [statement.as_string(connection) + ";" for statement in statements]


def create_work_table(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    """The work table and its index of open plans."""
    table = sql.Identifier(schema, WORK_TABLE)
    connection.execute(sql.SQL(WORK_TABLE_DDL).format(table=table))
    connection.execute(sql.SQL(CRASH_COLUMNS_DDL).format(table=table))
    connection.execute(
        sql.SQL(OPEN_WORK_INDEX_DDL).format(index=sql.Identifier(f"{WORK_TABLE}_open"), table=table)
    )
