"""The `ViewState` a projection reads during one batch: rows read once, changes held until commit.

Before the batch the projector prefetches, with one query per table, the rows of every plan and
step the batch's events touch; a key in a prefetched scope that has no row is known to be absent,
so a new plan costs no query. Whatever was not prefetched is read on first use and cached.
Changed rows are kept by key: a summary row changed by forty events is written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID

from adapters.read_models.database import Session
from adapters.read_models.table_io import key_getter, select_rows
from adapters.read_models.tables import TABLE_NAMES, table_spec
from core.events import PlanEvent
from projections.rows import PlanStepRow, PlanSummaryRow, Row, StepAttemptRow, ToolStatsRow

Key = tuple[object, ...]

_SCOPE_LENGTH: dict[type[Row], int] = {
    PlanSummaryRow: 1,
    PlanStepRow: 2,
    StepAttemptRow: 2,
    ToolStatsRow: 1,
}
"""How much of each readable row type's key one prefetch scope fixes: plan, step or tool."""


Scopes = dict[type[Row], set[Key]]
"""Per readable row type, the plans, steps or tools a batch may read."""

Changes = dict[type[Row], list[Row]]
"""Rows a batch changed, last version per key, by row type."""


def scopes_of(events: Iterable[PlanEvent]) -> Scopes:
    """The plans, steps and tools the events touch: what a batch prefetches."""
    plans: set[Key] = set()
    steps: set[Key] = set()
    tools: set[Key] = set()
    for event in events:
        plans.add((event.plan_id,))
        step_id = getattr(event, "step_id", None)
        if isinstance(step_id, str):
            steps.add((event.plan_id, step_id))
        tool = getattr(event, "tool", None)
        if isinstance(tool, str):
            tools.add((tool,))
    return {PlanSummaryRow: plans, PlanStepRow: steps, StepAttemptRow: steps, ToolStatsRow: tools}


class BatchViewState:
    """Current rows for one projection's batch, inside the batch's transaction."""

    def __init__(self, session: Session, tables: Mapping[type[Row], str]) -> None:
        self._session = session
        self._tables = tables
        self._rows: dict[type[Row], dict[Key, Row | None]] = {t: {} for t in TABLE_NAMES}
        self._loaded: dict[type[Row], set[Key]] = {t: set() for t in TABLE_NAMES}
        self._changed: dict[type[Row], dict[Key, Row]] = {t: {} for t in TABLE_NAMES}

    def prefetch(self, scopes: Scopes, row_types: Iterable[type[Row]]) -> None:
        """Read every row of `row_types` inside the batch's scopes (see `scopes_of`)."""
        for row_type in row_types:
            if scopes.get(row_type):
                self._load(row_type, scopes[row_type])

    def _load(self, row_type: type[Row], scopes: set[Key]) -> None:
        spec = table_spec(row_type)
        length = _SCOPE_LENGTH[row_type]
        dialect = self._session.dialect
        clauses: list[str] = []
        params: list[object] = []
        for index, column in enumerate(spec.columns[:length]):
            values = sorted(
                {dialect.encode(column.kind, scope[index]) for scope in scopes}, key=str
            )
            clause, values_params = dialect.in_list(column.name, values)
            clauses.append(clause)
            params.extend(values_params)
        rows = select_rows(
            self._session, spec, self._table(row_type), " AND ".join(clauses), params
        )
        cache = self._rows[row_type]
        key = key_getter(row_type)
        for row in rows:
            cache.setdefault(key(row), row)
        self._loaded[row_type].update(scopes)

    def _table(self, row_type: type[Row]) -> str:
        return self._tables.get(row_type, TABLE_NAMES[row_type])

    def _get(self, row_type: type[Row], key: Key) -> Row | None:
        cache = self._rows[row_type]
        if key in cache:
            return cache[key]
        if key[: _SCOPE_LENGTH[row_type]] in self._loaded[row_type]:
            return None
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

    def attempt(self, plan_id: UUID, step_id: str, attempt: int) -> StepAttemptRow | None:
        row = self._get(StepAttemptRow, (plan_id, step_id, attempt))
        return row if isinstance(row, StepAttemptRow) else None

    def tool_stats(self, tool: str) -> ToolStatsRow | None:
        row = self._get(ToolStatsRow, (tool,))
        return row if isinstance(row, ToolStatsRow) else None

    def put(self, rows: Sequence[Row]) -> None:
        """Record rows a projection returned: later reads in the batch see them."""
        cached, changed = self._rows, self._changed
        for row in rows:
            row_type = type(row)
            key = key_getter(row_type)(row)
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
