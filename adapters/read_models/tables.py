"""The read-model tables, derived from the row dataclasses of `projections.rows`.

A table's columns are its row type's fields, in order, with a kind taken from the field's
annotation; its primary key is the row type's `KEY`. Deriving them (instead of writing DDL by
hand) keeps the tables and the rows from drifting apart.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from projections.rows import (
    AuditRow,
    NotebookPlanRow,
    NotebookRow,
    PlanDataRow,
    PlanStepRow,
    PlanSummaryRow,
    Row,
    StepAttemptRow,
    ToolStatsRow,
)


class ColumnKind(StrEnum):
    """What a column holds; each dialect maps a kind to its SQL type and encoding."""

    UUID = "uuid"
    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    JSON = "json"


@dataclass(frozen=True)
class Column:
    """One column: a row field's name, its kind, and whether it may be NULL."""

    name: str
    kind: ColumnKind
    nullable: bool


@dataclass(frozen=True)
class Index:
    """A secondary index: a name suffix and its column list (with ASC/DESC)."""

    suffix: str
    columns: str


@dataclass(frozen=True)
class TableSpec:
    """A read-model table: its name, the row type it stores, columns, key and indexes."""

    name: str
    row_type: type[Row]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    indexes: tuple[Index, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns in field order: the order of every SELECT and INSERT."""
        return tuple(column.name for column in self.columns)


TABLE_NAMES: dict[type[Row], str] = {
    PlanSummaryRow: "plan_summary",
    PlanStepRow: "plan_steps",
    PlanDataRow: "plan_data",
    StepAttemptRow: "step_history",
    AuditRow: "audit_log",
    ToolStatsRow: "tool_stats",
    NotebookRow: "notebooks",
    NotebookPlanRow: "notebook_plans",
}
"""Row type -> table name."""

_INDEXES: dict[type[Row], tuple[Index, ...]] = {
    PlanSummaryRow: (
        Index("created", "created_at DESC, plan_id DESC"),
        Index("status", "status, created_at DESC, plan_id DESC"),
    ),
    StepAttemptRow: (Index("tool", "tool, duration_ms"),),
    AuditRow: (Index("at", "at, plan_id, version"),),
    NotebookPlanRow: (Index("created", "created_at DESC, plan_id DESC"),),
}
"""Pagination (newest first, by status) and the per-tool and by-time scans."""

TRACKING_TABLE = "projection_tracking"
"""One row per projection: its position in the global log and its last failure."""

_KINDS: dict[object, ColumnKind] = {
    UUID: ColumnKind.UUID,
    str: ColumnKind.TEXT,
    int: ColumnKind.INTEGER,
    float: ColumnKind.REAL,
    bool: ColumnKind.BOOLEAN,
    datetime: ColumnKind.TIMESTAMP,
    typing.Any: ColumnKind.JSON,
}


def _column(name: str, annotation: object) -> Column:
    """The column for a field; `X | None` is a nullable X, and `JsonValue` (Any) is JSON."""
    nullable = False
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        nullable = len(members) < len(typing.get_args(annotation))
        if len(members) != 1:
            raise TypeError(f"column {name}: unsupported union {annotation!r}")
        annotation = members[0]
    kind = _KINDS.get(annotation)
    if kind is None:
        raise TypeError(f"column {name}: no column kind for {annotation!r}")
    return Column(name, kind, nullable or kind is ColumnKind.JSON)


def _derive(row_type: type[Row]) -> TableSpec:
    hints = typing.get_type_hints(row_type)
    columns = tuple(_column(f.name, hints[f.name]) for f in dataclasses.fields(row_type))
    return TableSpec(
        name=TABLE_NAMES[row_type],
        row_type=row_type,
        columns=columns,
        key=tuple(row_type.KEY),
        indexes=_INDEXES.get(row_type, ()),
    )


_SPECS: dict[type[Row], TableSpec] = {row_type: _derive(row_type) for row_type in TABLE_NAMES}


def table_spec(row_type: type[Row]) -> TableSpec:
    """The table a row type is stored in."""
    return _SPECS[row_type]


def all_tables() -> tuple[TableSpec, ...]:
    """Every read-model table, in `TABLE_NAMES` order."""
    return tuple(_SPECS.values())
