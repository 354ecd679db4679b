"""DDL of the read-model tables, the tracking table and the layout's version table."""

from __future__ import annotations

from adapters.read_models.dialect import Dialect
from adapters.read_models.tables import TRACKING_TABLE, ColumnKind, TableSpec, all_tables

VERSION_TABLE = "read_model_version"
"""One row per layout version a read-model database was created at or brought to."""


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


def create_version_table(dialect: Dialect) -> str:
    """The version table: each layout version reached, and when."""
    return (
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} ("
        f"version {dialect.types[ColumnKind.INTEGER]} PRIMARY KEY, "
        f"reached_at {dialect.types[ColumnKind.TIMESTAMP]} NOT NULL)"
    )


def schema_statements(dialect: Dialect) -> list[str]:
    """Every statement that creates what is missing: the read-model tables, their indexes,
    tracking, and the version table."""
    statements = [create_tracking_table(dialect), create_version_table(dialect)]
    for spec in all_tables():
        statements.append(create_table(dialect, spec))
        statements.extend(create_indexes(spec))
    return statements
