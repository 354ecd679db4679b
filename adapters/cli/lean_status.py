"""`planledger status ID` answered from the read models, with sqlite3 or libpq alone.

The full `status` loads the plan from its events, which needs `core`, pydantic and the
eventsourcing library: most of a second of imports for a table of a few rows. This path reads
the `plan_summary` projection's rows instead, inside one read-only transaction (a snapshot), and
prints them with the same `render_status` and the same exit code. It answers only when it is
sure the rows say what the events say; otherwise it returns None and the caller runs the full
command:

- the read models are not at this release's layout, or the projection has failed or is behind
  the event log (its tracking position below the newest notification id), or the plan's row is
  behind the plan's newest event;
- the plan is not in the read models (the full path prints the error), waits for approval (the
  full path prints when the approval expires, which no read model holds), or is a sub-plan or
  starts sub-plans (their links are shaped by the full path);
- on PostgreSQL, the events table is not migrated for this release or its append-only guard is
  not intact (the full app migrates the one and refuses the other), or a result or the plan's
  data holds an object of two or more keys (`jsonb` keeps no key order, the events do);
- anything at all goes wrong while reading.

It never writes: SQLite is opened with `mode=ro`, PostgreSQL in a read-only transaction. The
constants below name what other modules own; `tests/unit/test_cli_entry.py` checks each against
its owner.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson

from adapters.cli.status_call import StatusCall
from adapters.store.catalog_rows import Fetch
from adapters.store.postgres_url import PostgresAddress

EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = "planledger_events"
TRACKING_TABLE = "projection_tracking"
VERSION_TABLE = "read_model_version"
LAYOUT_VERSION = 2
PROJECTION = "plan_summary"
REMOVED = "removed"
FORKED_FROM = "forked_from"
PLAIN_DATA = frozenset({"inputs", "outputs", FORKED_FROM})
"""The `plan_data` kinds this path shows; a plan with any other (sub-plan links) falls back."""

PLAN_STATUS_CODES = {
    "completed": 0,
    "failed": 1,
    "partial": 1,
    "cancelled": 1,
    "rejected": 1,
    "draft": 3,
    "approved": 0,
    "executing": 0,
}
"""`exit_codes.PLAN_STATUS_CODES` by status value, without `pending_approval` (falls back)."""

_SUMMARY_COLUMNS = (
    "name, description, status, reason, last_version, created_by, approved_by, total_steps, "
    "completed, failed, skipped, cancelled, pending, running, progress, paused_by, "
    "pause_reason, paused_at"
)
_STEP_COLUMNS = (
    "step_id, tool, status, attempts, result, error_type, error_message, skip_reason, duration_ms"
)

LEAN_CONNECT_TIMEOUT_S = 2
"""A server that has not answered by then gets the full app, which waits its own 10 s and says
what is wrong: the lean path is only worth taking when it is quick."""

JsonObject = dict[str, Any]


def lean_status(call: StatusCall) -> int | None:
    """Print the plan's status and return its exit code, or None if the full path must answer."""
    try:
        view = read_status_view(call)
    except (sqlite3.Error, ValueError, TypeError, KeyError):
        return None
    if view is None:
        return None
    code = PLAN_STATUS_CODES.get(view["status"])
    if code is None:
        return None
    if call.as_json:
        sys.stdout.write(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        from rich.console import Console

        from adapters.cli.status_table import render_status

        render_status(Console(), view)
    return code


def read_status_view(call: StatusCall) -> JsonObject | None:
    """The plan in the `status` shape from the read models, or None when they may not be exact."""
    if isinstance(call.store, PostgresAddress):
        return _read_postgres(call.store, call.plan_id)
    uri = f"file:{call.store}?mode=ro"  # `status_call` admits no path that needs escaping
    with contextlib.closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as connection:
        connection.execute("BEGIN")  # one snapshot for every read below
        try:
            rows = _Rows(lambda query, params: connection.execute(query, params).fetchall())
            if not _current(rows, SQLITE, call.plan_id):
                return None
            return _view(rows, SQLITE, call.plan_id)
        finally:
            connection.execute("ROLLBACK")


def _read_postgres(address: PostgresAddress, plan_id: UUID) -> JsonObject | None:
    """As for SQLite, in one read-only snapshot read through libpq (`libpq_session`); also None
    when no libpq loads, or the events table is not current or its append-only guard is not
    intact (the full app refuses or migrates those)."""
    from adapters.store.libpq_session import LibpqError, open_session

    options = f"-c search_path={address.schema} -c timezone=UTC"
    conninfo = f"{address.conninfo} connect_timeout={LEAN_CONNECT_TIMEOUT_S}"  # the last one wins
    try:
        with open_session(conninfo, options) as session:
            return None if session is None else _postgres_view(session.fetch, address, plan_id)
    except LibpqError:
        return None


def _postgres_view(fetch: Fetch, address: PostgresAddress, plan_id: UUID) -> JsonObject | None:
    """The view, when the events table is current and guarded and the read models exact."""
    from adapters.store.events_table_checks import events_table_is_current
    from adapters.store.guard_checks import ROW_TRIGGER, TRUNCATE_TRIGGER, guard_problems_in

    triggers = [ROW_TRIGGER, TRUNCATE_TRIGGER]
    table = (address.schema, POSTGRES_EVENTS_TABLE)
    if not events_table_is_current(fetch, *table, triggers) or guard_problems_in(fetch, *table):
        return None
    rows = _Rows(lambda query, params: list(fetch(query.replace("?", "%s"), params)))
    if not _current(rows, POSTGRES, plan_id):
        return None
    return _view(rows, POSTGRES, plan_id)


class _Rows(NamedTuple):
    """`query` with `?` placeholders and its parameters -> all rows."""

    fetch: Callable[[str, Sequence[Any]], list[Any]]


class _Dialect(NamedTuple):
    """What differs between the two stores' tables."""

    events_table: str
    event_position: str
    event_key: Callable[[UUID], object]
    model_key: Callable[[UUID], object]
    json_text: str
    """How a JSON column is read as text (`{}` is the column)."""
    keeps_key_order: bool
    """False for PostgreSQL's `jsonb`, which stores an object's keys in an order of its own."""


SQLITE = _Dialect(EVENTS_TABLE, "rowid", lambda plan_id: plan_id.hex, str, "{}", True)
POSTGRES = _Dialect(
    POSTGRES_EVENTS_TABLE,
    "notification_id",
    lambda plan_id: plan_id,
    lambda plan_id: plan_id,
    "{}::text",
    False,
)


def _current(rows: _Rows, dialect: _Dialect, plan_id: UUID) -> bool:
    """True when the layout is this release's and the projection has applied every event."""
    [(version,)] = rows.fetch(f"SELECT MAX(version) FROM {VERSION_TABLE}", [])
    tracking = rows.fetch(
        f"SELECT position, last_error, failed_position FROM {TRACKING_TABLE} WHERE name = ?",
        [PROJECTION],
    )
    [(head,)] = rows.fetch(f"SELECT MAX({dialect.event_position}) FROM {dialect.events_table}", [])
    if version != LAYOUT_VERSION or len(tracking) != 1:
        return False
    [(position, last_error, failed_position)] = tracking
    return last_error is None and failed_position is None and position >= (head or 0)


def _view(rows: _Rows, dialect: _Dialect, plan_id: UUID) -> JsonObject | None:
    key = dialect.model_key(plan_id)
    found = rows.fetch(f"SELECT {_SUMMARY_COLUMNS} FROM plan_summary WHERE plan_id = ?", [key])
    [(newest,)] = rows.fetch(
        f"SELECT MAX(originator_version) FROM {dialect.events_table} WHERE originator_id = ?",
        [dialect.event_key(plan_id)],
    )
    if not found or found[0][4] != newest:
        return None
    summary = found[0]
    data_text = dialect.json_text.format("data")
    data = dict(rows.fetch(f"SELECT kind, {data_text} FROM plan_data WHERE plan_id = ?", [key]))
    if not set(data) <= PLAIN_DATA:
        return None
    step_columns = _STEP_COLUMNS.replace("result", dialect.json_text.format("result"))
    steps = [
        (*step[:4], None if step[4] is None else orjson.loads(step[4]), *step[5:])
        for step in rows.fetch(
            f"SELECT {step_columns} FROM plan_steps WHERE plan_id = ? ORDER BY position", [key]
        )
    ]
    values = {kind: orjson.loads(text) for kind, text in data.items()}
    if not dialect.keeps_key_order:
        results = (step[4] for step in steps)
        if any(_has_ordered_object(value) for value in (*values.values(), *results)):
            return None  # the order the event gave its keys is not in the row
    return _shaped(str(plan_id), summary, steps, values)


def _shaped(
    key: str, summary: tuple[Any, ...], steps: list[tuple[Any, ...]], data: JsonObject
) -> JsonObject:
    """The rows in the order and shape of `render.status_view` (keys in its order)."""
    (name, description, status, reason, version, created_by, approved_by, *counts) = summary
    total, completed, failed, skipped, cancelled, pending, running, progress = counts[:8]
    paused_by, pause_reason, paused_at = counts[8:]
    view: JsonObject = {
        "id": key,
        "name": name,
        "description": description,
        "status": status,
        "reason": reason,
        "version": version,
        "created_by": created_by,
        "approved_by": approved_by,
        "steps": [_step(step) for step in steps if step[2] != REMOVED],
        "summary": {
            "total_steps": total,
            "completed": completed,
            "failed": failed,
            "skipped": skipped,
            "cancelled": cancelled,
            "pending": pending,
            "running": running,
            "progress": progress,
        },
    }
    if FORKED_FROM in data:
        view[FORKED_FROM] = data[FORKED_FROM]
    paused = None
    if paused_by is not None and paused_at is not None:
        paused = {"by": paused_by, "reason": pause_reason or "", "at": _iso(paused_at)}
    view |= {"inputs": data.get("inputs", {}), "outputs": data.get("outputs", {}), "paused": paused}
    return view


def _step(row: tuple[Any, ...]) -> JsonObject:
    """A `plan_steps` row, its result already decoded, in the shape of `render.status_view`."""
    step_id, tool, status, attempts, result, error_type, error_message, skip, duration = row
    error = None
    if error_type is not None and status != "completed":
        error = {"type": error_type, "message": error_message or ""}
    return {
        "id": step_id,
        "tool": tool,
        "status": status,
        "attempts": attempts,
        "result": result,
        "error": error,
        "skip_reason": skip,
        "duration_ms": duration,
    }


def _has_ordered_object(value: Any) -> bool:
    """Whether `value` holds an object of two or more keys (whose order matters when printed)."""
    if isinstance(value, dict):
        return len(value) > 1 or any(_has_ordered_object(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_ordered_object(item) for item in value)
    return False


def _iso(stored: str | datetime) -> str:
    """A stored time as `read_models.queries.iso` prints it (microseconds only when not 0)."""
    moment = stored if isinstance(stored, datetime) else datetime.fromisoformat(stored)
    moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")
