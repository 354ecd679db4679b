"""The `ViewState` a projection reads during one batch: rows read once, changes held until commit.

Before the batch the projector prefetches, with one query per table (all of them sent in one
round trip), the rows of every plan and step the batch's events touch; a key in a prefetched
scope that has no row is known to be absent, so a new plan costs no query. Whatever was not
prefetched is read on first use and cached. Rows the previous batch changed are seeded over the
prefetched ones: that batch may still be committing. Changed rows are kept by key: a summary row
changed by forty events is written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast
from uuid import UUID

from adapters.read_models.database import Session
from adapters.read_models.table_io import (
    decode_rows,
    key_getter,
    select_rows,
    select_statement,
)
from adapters.read_models.tables import TABLE_NAMES, table_spec
from core import NotebookEvent, PlanEvent
from projections.rows import (
    NotebookPlanRow,
    NotebookRow,
    PlanDataRow,
    PlanStepRow,
    PlanSummaryRow,
    Row,
    StepAttemptRow,
    ToolStatsRow,
)

Key = tuple[object, ...]

_SCOPE_LENGTH: dict[type[Row], int] = {
    PlanSummaryRow: 1,
    PlanStepRow: 2,
    StepAttemptRow: 2,
    ToolStatsRow: 1,
    NotebookRow: 1,
    NotebookPlanRow: 1,
    PlanDataRow: 2,
}
"""How much of each readable row type's key one prefetch scope fixes: plan, step, tool or
notebook.

`plan_data` rows are read rarely (a reopened plan's kept pause), one by one, never prefetched.
"""


_KEY_GETTERS = {row_type: key_getter(row_type) for row_type in TABLE_NAMES}

_UNKNOWN = object()
"""Not in the cache (None there means: known to have no row)."""

Scopes = dict[type[Row], set[Key]]
"""Per readable row type, the plans, steps or tools a batch may read."""

Changes = dict[type[Row], list[Row]]
"""Rows a batch changed, last version per key, by row type."""


def scopes_of(events: Iterable[PlanEvent]) -> Scopes:
    """The plans, steps and tools the events touch: what a batch prefetches."""
    plans: set[Key] = set()
    steps: set[Key] = set()
    tools: set[Key] = set()
    notebooks: set[Key] = set()
    for event in events:
        if isinstance(event, NotebookEvent):
            notebooks.add((event.notebook_id,))
        plans.add((event.plan_id,))  # a notebook has no summary row: prefetched, known absent
        step_id = getattr(event, "step_id", None)
        if isinstance(step_id, str):
            steps.add((event.plan_id, step_id))
        tool = getattr(event, "tool", None)
        if isinstance(tool, str):
            tools.add((tool,))
    return {
        PlanSummaryRow: plans,
        PlanStepRow: steps,
        StepAttemptRow: steps,
        ToolStatsRow: tools,
        NotebookRow: notebooks,
        NotebookPlanRow: notebooks,
    }


def prefetch_all(session: Session, views: Sequence[BatchViewState], scopes: Scopes) -> None:
    """Every view's prefetch (one query per table it reads), sent together: one round trip."""
    loads = [(view, t) for view in views for t in view.tables if scopes.get(t)]
    queries = [view.load_query(row_type, scopes[row_type]) for view, row_type in loads]
    for (view, row_type), values in zip(loads, session.execute_all(queries), strict=True):
        view.take_loaded(row_type, scopes[row_type], values)


class BatchViewState:
    """Current rows for one projection's batch (read inside its transaction, or outside it when
    the commit re-checks the positions: see `projector`)."""

    def __init__(self, session: Session, tables: Mapping[type[Row], str]) -> None:
        self._session = session
        self._tables = tables
        self._rows: dict[type[Row], dict[Key, Row | None]] = {t: {} for t in TABLE_NAMES}
        self._loaded: dict[type[Row], set[Key]] = {t: set() for t in TABLE_NAMES}
        self._changed: dict[type[Row], dict[Key, Row]] = {t: {} for t in TABLE_NAMES}

    @property
    def tables(self) -> Mapping[type[Row], str]:
        """The table each row type is read from."""
        return self._tables

    def load_query(self, row_type: type[Row], scopes: set[Key]) -> tuple[str, list[object]]:
        """The SELECT of every `row_type` row inside `scopes`, and its parameters."""
        spec = table_spec(row_type)
        dialect = self._session.dialect
        clauses: list[str] = []
        params: list[object] = []
        for index, column in enumerate(spec.columns[: _SCOPE_LENGTH[row_type]]):
            values = sorted(
                {dialect.encode(column.kind, scope[index]) for scope in scopes}, key=str
            )
            clause, values_params = dialect.in_list(column.name, values)
            clauses.append(clause)
            params.extend(values_params)
        return select_statement(spec, self._table(row_type), " AND ".join(clauses)), params

    def take_loaded(
        self, row_type: type[Row], scopes: set[Key], values: Sequence[Sequence[Any]]
    ) -> None:
        """Keep what `load_query` returned; a key in `scopes` without a row is now absent."""
        cache = self._rows[row_type]
        key = key_getter(row_type)
        for row in decode_rows(self._session.dialect, table_spec(row_type), values):
            cache.setdefault(key(row), row)
        self._loaded[row_type].update(scopes)

    def _table(self, row_type: type[Row]) -> str:
        return self._tables.get(row_type, TABLE_NAMES[row_type])

    def _get(self, row_type: type[Row], key: Key) -> Row | None:
        found: object = self._rows[row_type].get(key, _UNKNOWN)
        if found is not _UNKNOWN:
            return cast("Row | None", found)
        if key[: _SCOPE_LENGTH[row_type]] in self._loaded[row_type]:
            return None
        return self._read_one(row_type, key)

    def _read_one(self, row_type: type[Row], key: Key) -> Row | None:
        """A row outside the prefetched scopes, read on first use and cached."""
        cache = self._rows[row_type]
        spec = table_spec(row_type)
        dialect = self._session.dialect
        where = " AND ".join(f"{name} = ?" for name in spec.key)
        params = [
            dialect.encode(column.kind, value)
            for column, value in zip(spec.columns[: len(key)], key, strict=True)
        ]
        found = select_rows(self._session, spec, self._table(row_type), where, params)
        cache[key] = found[0] if found else None
        return cache[key]

    def summary(self, plan_id: UUID) -> PlanSummaryRow | None:
        row = self._get(PlanSummaryRow, (plan_id,))
        return row if isinstance(row, PlanSummaryRow) else None

    def step(self, plan_id: UUID, step_id: str) -> PlanStepRow | None:
        row = self._get(PlanStepRow, (plan_id, step_id))
        return row if isinstance(row, PlanStepRow) else None

    def data(self, plan_id: UUID, kind: str) -> PlanDataRow | None:
        row = self._get(PlanDataRow, (plan_id, kind))
        return row if isinstance(row, PlanDataRow) else None

    def attempt(self, plan_id: UUID, step_id: str, attempt: int) -> StepAttemptRow | None:
        row = self._get(StepAttemptRow, (plan_id, step_id, attempt))
        return row if isinstance(row, StepAttemptRow) else None

    def tool_stats(self, tool: str) -> ToolStatsRow | None:
        row = self._get(ToolStatsRow, (tool,))
        return row if isinstance(row, ToolStatsRow) else None

    def notebook(self, notebook_id: UUID) -> NotebookRow | None:
        row = self._get(NotebookRow, (notebook_id,))
        return row if isinstance(row, NotebookRow) else None

    def notebook_plan(self, notebook_id: UUID, plan_id: UUID) -> NotebookPlanRow | None:
        row = self._get(NotebookPlanRow, (notebook_id, plan_id))
        return row if isinstance(row, NotebookPlanRow) else None

    def put(self, rows: Sequence[Row]) -> None:
        """Record rows a projection returned: later reads in the batch see them."""
        cached, changed, getters = self._rows, self._changed, _KEY_GETTERS
        for row in rows:
            row_type = type(row)
            key = getters[row_type](row)
            cached[row_type][key] = row
            changed[row_type][key] = row

    def seed(self, rows: Changes) -> None:
        """Take rows as current without writing them: another batch changed them."""
        for row_type, changed in rows.items():
            cache, key = self._rows[row_type], key_getter(row_type)
            for row in changed:
                cache[key(row)] = row

    def changes(self) -> Changes:
        """Every changed row, last version per key, by row type."""
        return {row_type: list(rows.values()) for row_type, rows in self._changed.items() if rows}
