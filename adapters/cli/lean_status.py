"""`planledger status ID` on a local SQLite store, answered from the read models with sqlite3.

The full `status` loads the plan from its events, which needs `core`, pydantic and the
eventsourcing library: most of a second of imports for a table of a few rows. This path reads
the `plan_summary` projection's rows instead, inside one read-only transaction, and prints them
with the same `render_status` and the same exit code. It answers only when it is sure the rows
say what the events say; otherwise it returns None and the caller runs the full command:

- the read models are not at this release's layout, or the projection has failed or is behind
  the event log (its tracking position below the newest notification id), or the plan's row is
  behind the plan's newest event;
- the plan is not in the read models (the full path prints the error), waits for approval (the
  full path prints when the approval expires, which no read model holds), or is a sub-plan or
  starts sub-plans (their links are shaped by the full path);
- anything at all goes wrong while reading.

It never writes: the database is opened with `mode=ro`. The constants below name what other
modules own; `tests/unit/test_cli_entry.py` checks each against its owner.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

EVENTS_TABLE = "stored_events"
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

JsonObject = dict[str, Any]


def lean_status(database: str, plan_id: UUID, as_json: bool) -> int | None:
    """Print the plan's status and return its exit code, or None if the full path must answer."""
    try:
        view = read_status_view(database, plan_id)
    except (sqlite3.Error, ValueError, TypeError, KeyError):
        return None
    if view is None:
        return None
    code = PLAN_STATUS_CODES.get(view["status"])
    if code is None:
        return None
    if as_json:
        sys.stdout.write(orjson.dumps(view, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        from rich.console import Console

        from adapters.cli.status_table import render_status

        render_status(Console(), view)
    return code


def read_status_view(database: str, plan_id: UUID) -> JsonObject | None:
    """The plan in the `status` shape from the read models, or None when they may not be exact."""
    uri = f"file:{database}?mode=ro"  # `status_call` admits no path that needs escaping
    with contextlib.closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as connection:
        connection.execute("BEGIN")  # one snapshot for every read below
        try:
            if not _current(connection, plan_id):
                return None
            return _view(connection, plan_id)
        finally:
            connection.execute("ROLLBACK")


def _current(connection: sqlite3.Connection, plan_id: UUID) -> bool:
    """True when the layout is this release's and the projection has applied every event."""
    [(version,)] = connection.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}").fetchall()
    tracking = connection.execute(
        f"SELECT position, last_error, failed_position FROM {TRACKING_TABLE} WHERE name = ?",
        [PROJECTION],
    ).fetchall()
    [(head,)] = connection.execute(f"SELECT MAX(rowid) FROM {EVENTS_TABLE}").fetchall()
    if version != LAYOUT_VERSION or len(tracking) != 1:
        return False
    [(position, last_error, failed_position)] = tracking
    return last_error is None and failed_position is None and position >= (head or 0)


def _view(connection: sqlite3.Connection, plan_id: UUID) -> JsonObject | None:
    key = str(plan_id)
    summary = connection.execute(
        f"SELECT {_SUMMARY_COLUMNS} FROM plan_summary WHERE plan_id = ?", [key]
    ).fetchone()
    [(newest,)] = connection.execute(
        f"SELECT MAX(originator_version) FROM {EVENTS_TABLE} WHERE originator_id = ?",
        [plan_id.hex],
    ).fetchall()
    if summary is None or summary[4] != newest:
        return None
    data = dict(
        connection.execute("SELECT kind, data FROM plan_data WHERE plan_id = ?", [key]).fetchall()
    )
    if not set(data) <= PLAIN_DATA:
        return None
    steps = connection.execute(
        f"SELECT {_STEP_COLUMNS} FROM plan_steps WHERE plan_id = ? ORDER BY position", [key]
    ).fetchall()
    return _shaped(key, summary, steps, {kind: orjson.loads(text) for kind, text in data.items()})


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
    step_id, tool, status, attempts, result, error_type, error_message, skip, duration = row
    error = None
    if error_type is not None and status != "completed":
        error = {"type": error_type, "message": error_message or ""}
    return {
        "id": step_id,
        "tool": tool,
        "status": status,
        "attempts": attempts,
        "result": None if result is None else orjson.loads(result),
        "error": error,
        "skip_reason": skip,
        "duration_ms": duration,
    }


def _iso(stored: str) -> str:
    """A stored time as `read_models.queries.iso` prints it (microseconds only when not 0)."""
    moment = datetime.fromisoformat(stored).astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")
