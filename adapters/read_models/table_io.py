"""Rows in and out of tables: encode a row dataclass for a dialect, decode it back, upsert.

The projector writes every changed row of a batch, so encoding is prepared once per table and
dialect: one `attrgetter` for all fields, and a converter only where the kind needs one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import orjson

from adapters.read_models.database import Session
from adapters.read_models.dialect import Codec, Dialect
from adapters.read_models.tables import TABLE_NAMES, TableSpec
from adapters.read_models.text_escapes import escaped_value, needs_escaping
from projections.rows import Row

RowEncoder = Callable[[Row], tuple[object, ...]]


@functools.cache
def row_encoder(dialect: Dialect, spec: TableSpec) -> RowEncoder:
    """A function from a row to its stored values in column order."""
    values_of = attrgetter(*spec.column_names)
    converters = _converters(dialect.encoders, spec)

    def encode(row: Row) -> tuple[object, ...]:
        values = list(values_of(row))
        for index, codec in converters:
            value = values[index]
            if value is not None:
                values[index] = codec(value)
        return tuple(values)

    return encode


def _converters(codecs: dict[Any, Codec], spec: TableSpec) -> list[tuple[int, Codec]]:
    return [
        (index, codecs[column.kind])
        for index, column in enumerate(spec.columns)
        if column.kind in codecs
    ]


def decode_row(dialect: Dialect, spec: TableSpec, values: Sequence[Any]) -> Row:
    """A row dataclass from stored values in column order."""
    converted = list(values)
    for index, codec in _converters(dialect.decoders, spec):
        if converted[index] is not None:
            converted[index] = codec(converted[index])
    make: Callable[..., Row] = spec.row_type
    return make(*converted)


@functools.cache
def upsert_statement(spec: TableSpec, table: str) -> str:
    """INSERT ... ON CONFLICT (key) DO UPDATE: a projection returns whole rows, keyed."""
    names = spec.column_names
    marks = ", ".join("?" for _ in names)
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) {_on_conflict(spec)}"


@functools.cache
def bulk_upsert_statement(dialect: Dialect, spec: TableSpec, table: str) -> str:
    """The same upsert for a whole batch in one statement: the rows as one JSON array.

    PostgreSQL turns the array back into typed rows (`jsonb_to_recordset`); serialising the
    rows with orjson costs a few microseconds each, where binding them value by value cost ten
    times that in the driver.
    """
    names = spec.column_names
    record = ", ".join(f"{column.name} {dialect.types[column.kind]}" for column in spec.columns)
    return (
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(names)} "
        f"FROM jsonb_to_recordset(?::jsonb) AS r({record}) {_on_conflict(spec)}"
    )


def _on_conflict(spec: TableSpec) -> str:
    updates = ", ".join(
        f"{name} = excluded.{name}" for name in spec.column_names if name not in spec.key
    )
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"ON CONFLICT ({', '.join(spec.key)}) {action}"


def upsert_rows(session: Session, spec: TableSpec, table: str, rows: Sequence[Row]) -> None:
    """Insert or replace rows by key (at most one row per key), as one batch."""
    if not rows:
        return
    dialect = session.dialect
    if dialect.bulk_upsert:
        document = orjson.dumps(list(rows)).decode()
        if needs_escaping(document):  # rare: a NUL PostgreSQL would refuse (see text_escapes)
            document = orjson.dumps(escaped_value(orjson.loads(document))).decode()
        session.execute(bulk_upsert_statement(dialect, spec, table), [document])
    else:
        encode = row_encoder(dialect, spec)
        session.execute_many(upsert_statement(spec, table), [encode(row) for row in rows])


def select_rows(
    session: Session,
    spec: TableSpec,
    table: str,
    where: str = "",
    params: Sequence[object] = (),
    order: str = "",
    limit: int | None = None,
) -> list[Row]:
    """Rows of `table` matching a WHERE clause (with `?` placeholders), decoded."""
    statement = select_statement(spec, table, where)
    if order:
        statement += f" ORDER BY {order}"
    if limit is not None:
        statement += " LIMIT ?"
        params = [*params, limit]
    return decode_rows(session.dialect, spec, session.execute(statement, params))


def select_statement(spec: TableSpec, table: str, where: str = "") -> str:
    """SELECT every column of `table` (in `spec`'s order), with an optional WHERE clause."""
    statement = f"SELECT {', '.join(spec.column_names)} FROM {table}"
    return f"{statement} WHERE {where}" if where else statement


def decode_rows(dialect: Dialect, spec: TableSpec, rows: Sequence[Sequence[Any]]) -> list[Row]:
    """Row dataclasses from stored values in column order."""
    return [decode_row(dialect, spec, values) for values in rows]


def _key_getter(row_type: type[Row]) -> Callable[[Row], tuple[object, ...]]:
    names = row_type.KEY
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda row: (single(row),)
    getter = attrgetter(*names)
    return lambda row: tuple(getter(row))


_KEY_GETTERS = {row_type: _key_getter(row_type) for row_type in TABLE_NAMES}


def key_getter(row_type: type[Row]) -> Callable[[Row], tuple[object, ...]]:
    """A function from a row to its primary key values (always a tuple)."""
    return _KEY_GETTERS[row_type]
