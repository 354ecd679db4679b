"""Queries on the notebook views: the notebook plans, newest first."""

from __future__ import annotations

from adapters.read_models.database import ReadModelDatabase
from adapters.read_models.queries import iso
from adapters.read_models.table_io import select_rows
from adapters.read_models.tables import table_spec
from core import JsonObject
from projections.rows import NotebookPlanRow

MAX_ROWS = 1000


def list_notebook_plans(
    database: ReadModelDatabase, notebook: str | None = None, *, limit: int = MAX_ROWS
) -> list[JsonObject]:
    """Notebook plans (of one notebook, if named), newest first, as JSON records."""
    spec = table_spec(NotebookPlanRow)
    where, params = ("notebook = ?", [notebook]) if notebook is not None else ("", [])
    with database.session() as session:
        rows = select_rows(
            session, spec, spec.name, where, params, "created_at DESC, plan_id DESC", limit
        )
    return [_record(row) for row in rows if isinstance(row, NotebookPlanRow)]


def _record(row: NotebookPlanRow) -> JsonObject:
    return {
        "notebook": row.notebook,
        "notebook_id": str(row.notebook_id),
        "plan_id": str(row.plan_id),
        "name": row.name,
        "state": row.state,
        "current": row.current,
        "total": row.total,
        "todo": row.todo,
        "in_progress": row.in_progress,
        "done": row.done,
        "abandoned": row.abandoned,
        "subtasks": row.subtasks,
        "outcome": row.outcome,
        "created_by": row.created_by,
        "created_at": iso(row.created_at),
        "finished_at": iso(row.finished_at),
        "version": row.last_version,
    }
