"""Queries on the read-model tables: plans, steps, timelines, tool statistics. Never a plan load.

Each function takes the `ReadModelDatabase` and simple values and returns plain JSON-ready data,
so the CLI and the HTTP API render the same answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from adapters.read_models.database import ReadModelDatabase, Session
from adapters.read_models.page_cursor import decode_cursor, encode_cursor
from adapters.read_models.table_io import select_rows
from adapters.read_models.tables import ColumnKind, table_spec
from core import JsonObject, Pause, PlanNotFoundError
from projections.plan_revisions import FORKED_FROM, REMOVED
from projections.plan_summary import LINK_KIND, SUB_PLAN_KIND
from projections.rows import (
    PlanDataRow,
    PlanStepRow,
    PlanSummaryRow,
    StepAttemptRow,
    ToolStatsRow,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

PAUSED_STATUS = "paused"
"""What `plans list --status` takes for paused plans (their status stays as it was).

The plan summary holds a pause in its columns while it holds (see `projections.pause_rows`),
so a paused plan is one whose `paused_by` is set.
"""


@dataclass(frozen=True)
class PlanFilter:
    """Which plans `list_plans` returns: all filters are optional and combine with AND."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class PlanPage:
    """One page of plans, newest first, and the cursor of the next page (None at the end)."""

    plans: list[JsonObject]
    next_cursor: str | None


def iso(moment: datetime | None) -> str | None:
    """A time as the event records print it: ISO-8601 in UTC with a `Z`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def list_plans(
    database: ReadModelDatabase,
    where: PlanFilter | None = None,
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> PlanPage:
    """Plans newest first, by keyset pagination on (created_at, plan_id).

    A cursor names the last row of the previous page, so a page never repeats or skips a plan
    that existed when paging began, however many plans are created meanwhile.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    spec = table_spec(PlanSummaryRow)
    with database.session() as session:
        clauses, params = _plan_filter(session, where or PlanFilter(), cursor)
        order = "created_at DESC, plan_id DESC"
        where_sql = " AND ".join(clauses)
        rows = select_rows(session, spec, spec.name, where_sql, params, order, limit + 1)
        page = [row for row in rows[:limit] if isinstance(row, PlanSummaryRow)]
    more = len(rows) > limit and page
    next_cursor = encode_cursor(page[-1].created_at, page[-1].plan_id) if more else None
    return PlanPage([summary_record(row) for row in page], next_cursor)


def _plan_filter(
    session: Session, where: PlanFilter, cursor: str | None
) -> tuple[list[str], list[object]]:
    dialect = session.dialect

    def at(moment: datetime) -> object:
        return dialect.encode(ColumnKind.TIMESTAMP, moment)

    clauses: list[str] = []
    params: list[object] = []
    if where.status == PAUSED_STATUS:
        clauses.append("paused_by IS NOT NULL")
    elif where.status is not None:
        clauses.append("status = ?")
        params.append(where.status)
    if where.since is not None:
        clauses.append("created_at >= ?")
        params.append(at(where.since))
    if where.until is not None:
        clauses.append("created_at < ?")
        params.append(at(where.until))
    if where.text:
        pattern = "%" + where.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(
            f"(name {dialect.like} ? ESCAPE '\\' OR description {dialect.like} ? ESCAPE '\\')"
        )
        params.extend([pattern + "%", pattern + "%"])
    if cursor is not None:
        created_at, plan_id = decode_cursor(cursor)
        clauses.append("(created_at, plan_id) < (?, ?)")
        params.extend([at(created_at), dialect.encode(ColumnKind.UUID, plan_id)])
    return clauses, params


def pause_record(pause: Pause | None) -> JsonObject | None:
    """A plan's pause as `status`, `plans show` and `plans list` print it (None: not paused)."""
    if pause is None:
        return None
    return {"by": pause.by, "reason": pause.reason, "at": iso(pause.at)}


def summary_record(row: PlanSummaryRow) -> JsonObject:
    """A plan's summary row as JSON: what `plans list` prints for it."""
    return {
        "id": str(row.plan_id),
        "name": row.name,
        "description": row.description,
        "status": row.status,
        "reason": row.reason,
        "version": row.last_version,
        "created_by": row.created_by,
        "approved_by": row.approved_by,
        "rejected_by": row.rejected_by,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "duration_ms": row.duration_ms,
        "paused": pause_record(row.pause),
        "summary": _counts(row),
    }


def _counts(row: PlanSummaryRow) -> JsonObject:
    return {
        "total_steps": row.total_steps,
        "completed": row.completed,
        "failed": row.failed,
        "skipped": row.skipped,
        "cancelled": row.cancelled,
        "pending": row.pending,
        "running": row.running,
        "progress": row.progress,
    }


def _summary_row(session: Session, plan_id: UUID) -> PlanSummaryRow:
    spec = table_spec(PlanSummaryRow)
    key = session.dialect.encode(ColumnKind.UUID, plan_id)
    rows = select_rows(session, spec, spec.name, "plan_id = ?", [key])
    if not rows or not isinstance(rows[0], PlanSummaryRow):
        raise PlanNotFoundError(plan_id)
    return rows[0]


def show_plan(database: ReadModelDatabase, plan_id: UUID) -> JsonObject:
    """A plan and its steps, shaped exactly as `core.plan_view` shapes a loaded plan.

    Removed steps' tombstone rows are left out; a fork names its source (`forked_from`).
    """
    steps_spec = table_spec(PlanStepRow)
    with database.session() as session:
        summary = _summary_row(session, plan_id)
        key = session.dialect.encode(ColumnKind.UUID, plan_id)
        steps = select_rows(
            session, steps_spec, steps_spec.name, "plan_id = ?", [key], order="position"
        )
        data_spec = table_spec(PlanDataRow)
        links = select_rows(
            session, data_spec, data_spec.name, "plan_id = ? AND kind = ?", [key, FORKED_FROM]
        )
    view: JsonObject = {
        "id": str(summary.plan_id),
        "name": summary.name,
        "description": summary.description,
        "status": summary.status,
        "reason": summary.reason,
        "version": summary.last_version,
        "created_by": summary.created_by,
        "approved_by": summary.approved_by,
        "steps": [
            _step_record(step)
            for step in steps
            if isinstance(step, PlanStepRow) and step.status != REMOVED
        ],
        "summary": _counts(summary),
    }
    for link in links:
        if isinstance(link, PlanDataRow):
            view[FORKED_FROM] = link.data
    return view


def plan_pause(database: ReadModelDatabase, plan_id: UUID) -> JsonObject | None:
    """A plan's pause (who, why, when), or None when it is not paused."""
    with database.session() as session:
        return pause_record(_summary_row(session, plan_id).pause)


def plan_data(database: ReadModelDatabase, plan_id: UUID) -> JsonObject:
    """A plan's `inputs` and `outputs` (empty objects when it has none)."""
    spec = table_spec(PlanDataRow)
    with database.session() as session:
        _summary_row(session, plan_id)
        key = session.dialect.encode(ColumnKind.UUID, plan_id)
        rows = select_rows(session, spec, spec.name, "plan_id = ?", [key])
    found = {row.kind: row.data for row in rows if isinstance(row, PlanDataRow)}
    data: JsonObject = {"inputs": found.get("inputs", {}), "outputs": found.get("outputs", {})}
    if LINK_KIND in found:
        data["sub_plan_of"] = found[LINK_KIND]
    children = {
        kind.removeprefix(SUB_PLAN_KIND): value
        for kind, value in found.items()
        if kind.startswith(SUB_PLAN_KIND)
    }
    if children:
        data["sub_plans"] = children
    return data


def plan_details(database: ReadModelDatabase, plan_id: UUID) -> JsonObject:
    """A plan as `status --json` prints a loaded one: `show_plan`, `plan_data` and its pause."""
    return {
        **show_plan(database, plan_id),
        **plan_data(database, plan_id),
        "paused": plan_pause(database, plan_id),
    }


def _step_record(step: PlanStepRow) -> JsonObject:
    error = None
    if step.error_type is not None and step.status != "completed":
        error = {"type": step.error_type, "message": step.error_message or ""}
    return {
        "id": step.step_id,
        "tool": step.tool,
        "status": step.status,
        "attempts": step.attempts,
        "result": step.result,
        "error": error,
        "skip_reason": step.skip_reason,
        "duration_ms": step.duration_ms,
    }


def step_timeline(
    database: ReadModelDatabase, plan_id: UUID, step_id: str | None = None
) -> list[JsonObject]:
    """Every attempt of a plan's steps (or of one step), in the order they started."""
    spec = table_spec(StepAttemptRow)
    with database.session() as session:
        _summary_row(session, plan_id)
        clause = "plan_id = ?" + (" AND step_id = ?" if step_id is not None else "")
        params: list[object] = [session.dialect.encode(ColumnKind.UUID, plan_id)]
        params.extend([step_id] if step_id is not None else [])
        rows = select_rows(
            session, spec, spec.name, clause, params, order="started_at, step_id, attempt"
        )
    return [_attempt_record(row) for row in rows if isinstance(row, StepAttemptRow)]


def _attempt_record(row: StepAttemptRow) -> JsonObject:
    return {
        "step_id": row.step_id,
        "attempt": row.attempt,
        "tool": row.tool,
        "status": row.status,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "duration_ms": row.duration_ms,
        "error_type": row.error_type,
        "error_message": row.error_message,
        "worker": row.worker,
    }


def plans_by_status(database: ReadModelDatabase) -> dict[str, int]:
    """How many plans the plan summary holds in each status (statuses with none left out)."""
    with database.session() as session:
        rows = session.execute("SELECT status, COUNT(*) FROM plan_summary GROUP BY status")
    return {str(status): int(count) for status, count in rows}


def tool_stats(database: ReadModelDatabase) -> list[JsonObject]:
    """Per tool: calls and outcomes, and the p50/p95 duration of its finished attempts."""
    spec = table_spec(ToolStatsRow)
    durations: dict[str, list[int]] = defaultdict(list)
    with database.session() as session:
        rows = select_rows(session, spec, spec.name, order="tool")
        for tool, duration_ms in session.execute(
            "SELECT tool, duration_ms FROM step_history WHERE duration_ms IS NOT NULL "
            "ORDER BY tool, duration_ms"
        ):
            durations[str(tool)].append(int(duration_ms))
    return [
        {
            "tool": row.tool,
            "calls": row.calls,
            "completed": row.completed,
            "failures": row.failures,
            "retries": row.retries,
            "timeouts": row.timeouts,
            "p50_ms": percentile(durations[row.tool], 50),
            "p95_ms": percentile(durations[row.tool], 95),
        }
        for row in rows
        if isinstance(row, ToolStatsRow)
    ]


def percentile(ordered: list[int], percent: int) -> int | None:
    """Nearest-rank percentile of an ascending list (None for an empty one)."""
    if not ordered:
        return None
    rank = -(-percent * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


def plan_heads(database: ReadModelDatabase) -> dict[UUID, tuple[int, str]]:
    """Each known plan's (and notebook's) last version and the hash of that event (for the
    chain verifier)."""
    with database.session() as session:
        rows = session.execute("SELECT plan_id, last_version, head_hash FROM plan_summary")
        rows += session.execute("SELECT notebook_id, last_version, head_hash FROM notebooks")
        decode = session.dialect.decode
        return {
            UUID(str(decode(ColumnKind.UUID, plan_id))): (int(version), str(head_hash))
            for plan_id, version, head_hash in rows
        }
