"""DDL of the read-model tables and the tracking table, and their creation on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.read_models.dialect import Dialect
from adapters.read_models.tables import TRACKING_TABLE, ColumnKind, TableSpec, all_tables
from adapters.store.postgres_setup import schema_lock
from adapters.store.store_url import StoreConfig

if TYPE_CHECKING:
    from adapters.read_models.database import ReadModelDatabase, Session


def create_table(dialect: Dialect, spec: TableSpec, name: str | None = None) -> str:
    """`CREATE TABLE IF NOT EXISTS` for a table spec, under `name` (default: the spec's)."""
    columns = [
        f"{column.name} {dialect.types[column.kind]}{'' if column.nullable else ' NOT NULL'}"
        for column in spec.columns
    ]
    columns.append(f"PRIMARY KEY ({', '.join(spec.key)})")
    return f"CREATE TABLE IF NOT EXISTS {name or spec.name} ({', '.join(columns)})"


def create_indexes(spec: TableSpec, name: str | None = None) -> list[str]:
    """The secondary indexes of a table, named after the table they are on."""
    table = name or spec.name
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_{index.suffix} ON {table} ({index.columns})"
        for index in spec.indexes
    ]


def create_tracking_table(dialect: Dialect) -> str:
    """The tracking table: each projection's position, last update, and last failure."""
    integer = dialect.types[ColumnKind.INTEGER]
    return (
        f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
        f"name TEXT PRIMARY KEY, position {integer} NOT NULL DEFAULT 0, "
        f"updated_at {dialect.types[ColumnKind.TIMESTAMP]}, last_error TEXT, "
        f"failed_position {integer})"
    )


def schema_statements(dialect: Dialect) -> list[str]:
    """Every statement that creates the read-model tables, their indexes and tracking."""
    statements = [create_tracking_table(dialect)]
    for spec in all_tables():
        statements.append(create_table(dialect, spec))
        statements.extend(create_indexes(spec))
    return statements


def missing_tables(session: Session) -> set[str]:
    """The read-model tables that do not exist yet."""
    wanted = {TRACKING_TABLE, *(spec.name for spec in all_tables())}
    existing = {str(row[0]) for row in session.execute(session.dialect.tables_query)}
    return wanted - existing


def read_models_present(database: ReadModelDatabase) -> bool:
    """True when every read-model table exists (a read-only copy may have none)."""
    with database.session() as session:
        return not missing_tables(session)


def ensure_schema(database: ReadModelDatabase, config: StoreConfig) -> None:
    """Create whatever is missing; on PostgreSQL under the store's set-up advisory lock.

    Concurrent CREATE TABLE IF NOT EXISTS can fail on PostgreSQL (`tuple concurrently
    updated`), and SQLite creates them inside BEGIN IMMEDIATE, so two processes never race.
    """
    with database.session() as session:
        if not missing_tables(session):
            return
        if config.kind == "postgresql":
            assert config.conninfo is not None
            assert config.schema is not None
            with schema_lock(config.conninfo, config.schema):
                _create(session)
        else:
            _create(session)


def _create(session: Session) -> None:
    with session.transaction(write_lock=True):
        for statement in schema_statements(session.dialect):
            session.execute(statement)
