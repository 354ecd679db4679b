"""Read models checked against the log: every row compared with a fold of the events.

Each projection is folded here, in memory, over the events up to its own tracking position,
and every stored row is compared with the row the fold gives. Events after a projection's
position are lag, reported as such: a read model that has not caught up is not evidence of
anything. A plan whose chain is broken is left to the chain's finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import TypeVar
from uuid import UUID

from adapters.audit.findings import AuditFinding
from adapters.read_models import ReadModelDatabase
from adapters.read_models.table_io import key_getter, select_rows
from adapters.read_models.tables import table_spec
from adapters.read_models.tracking import read_tracking
from core import JsonObject, PlanEvent
from projections import PROJECTIONS, Projection
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

R = TypeVar("R", bound=Row)
Tables = dict[type, dict[tuple[object, ...], Row]]


class FoldedViews:
    """A `ViewState` in memory: rows upserted by key, as the projector's storage does."""

    def __init__(self) -> None:
        self.tables: Tables = {}

    def put(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.tables.setdefault(type(row), {})[key_getter(type(row))(row)] = row

    def summary(self, plan_id: UUID) -> PlanSummaryRow | None:
        return self._get(PlanSummaryRow, (plan_id,))

    def step(self, plan_id: UUID, step_id: str) -> PlanStepRow | None:
        return self._get(PlanStepRow, (plan_id, step_id))

    def data(self, plan_id: UUID, kind: str) -> PlanDataRow | None:
        return self._get(PlanDataRow, (plan_id, kind))

    def attempt(self, plan_id: UUID, step_id: str, attempt: int) -> StepAttemptRow | None:
        return self._get(StepAttemptRow, (plan_id, step_id, attempt))

    def tool_stats(self, tool: str) -> ToolStatsRow | None:
        return self._get(ToolStatsRow, (tool,))

    def notebook(self, notebook_id: UUID) -> NotebookRow | None:
        return self._get(NotebookRow, (notebook_id,))

    def notebook_plan(self, notebook_id: UUID, plan_id: UUID) -> NotebookPlanRow | None:
        return self._get(NotebookPlanRow, (notebook_id, plan_id))

    def _get(self, row_type: type[R], key: tuple[object, ...]) -> R | None:
        row = self.tables.get(row_type, {}).get(key)
        return row if isinstance(row, row_type) else None


class ReadModelCheck:
    """Folds the projections alongside a log scan, then compares with the stored rows."""

    def __init__(
        self, database: ReadModelDatabase, projections: Iterable[Projection] = PROJECTIONS
    ) -> None:
        self._database = database
        self._projections = tuple(projections)
        with database.session() as session:
            tracking = read_tracking(session, [p.name for p in self._projections])
        self.positions = {
            p.name: tracking[p.name].position if p.name in tracking else 0
            for p in self._projections
        }
        self.views = FoldedViews()
        self.behind: Counter[str] = Counter()

    def apply(self, position: int, event: PlanEvent) -> None:
        """Fold one event into each projection that has passed it; count it as lag for others."""
        for projection in self._projections:
            if position <= self.positions[projection.name]:
                self.views.put(projection.apply(event, self.views))
            else:
                self.behind[projection.name] += 1

    def lag(self) -> JsonObject | None:
        """`{"events": N, "projections": {name: N}}` when a projection is behind the log."""
        if not self.behind:
            return None
        return {"events": max(self.behind.values()), "projections": dict(self.behind)}

    def findings(self, leave_out: set[UUID]) -> list[AuditFinding]:
        """Every disagreement between the stored rows and the fold (plans in `leave_out` skipped).

        A plan whose head disagrees is reported once, for its head: the rest follows from it.
        Tool statistics mix every plan and are compared only when all else agrees (and no plan
        was left out).
        """
        stored = self._stored()
        found = self._heads(stored, leave_out)
        skip = leave_out | {finding.plan_id for finding in found if finding.plan_id is not None}
        versions = {
            key[0]: row.last_version
            for key, row in self.views.tables.get(PlanSummaryRow, {}).items()
            if isinstance(row, PlanSummaryRow)
        }
        for row_type in stored:
            if row_type is ToolStatsRow:
                continue
            found += _differences(row_type, stored[row_type], self.views.tables, skip, versions)
        if not found and not leave_out and ToolStatsRow in stored:
            found += _differences(ToolStatsRow, stored[ToolStatsRow], self.views.tables, skip, {})
        return found

    def known_plans(self) -> set[UUID]:
        """Plans the stored plan_summary or the fold know."""
        stored = self._stored().get(PlanSummaryRow, {})
        folded = self.views.tables.get(PlanSummaryRow, {})
        return {UUID(str(key[0])) for key in (*stored, *folded)}

    def _stored(self) -> Tables:
        tables: Tables = {}
        with self._database.session() as session:
            for projection in self._projections:
                for row_type in projection.row_types:
                    spec = table_spec(row_type)
                    rows = select_rows(session, spec, spec.name)
                    tables[row_type] = {key_getter(row_type)(row): row for row in rows}
        return tables

    def _heads(self, stored: Tables, leave_out: set[UUID]) -> list[AuditFinding]:
        found: list[AuditFinding] = []
        kept = stored.get(PlanSummaryRow, {})
        folded = self.views.tables.get(PlanSummaryRow, {})
        for key in sorted({*kept, *folded}, key=str):
            plan_id = UUID(str(key[0]))
            if plan_id in leave_out:
                continue
            finding = _head_finding(plan_id, kept.get(key), folded.get(key))
            if finding is not None:
                found.append(finding)
        return found


def _head_finding(plan_id: UUID, kept: Row | None, folded: Row | None) -> AuditFinding | None:
    if not isinstance(kept, PlanSummaryRow):
        if isinstance(folded, PlanSummaryRow):
            return AuditFinding(
                plan_id,
                folded.last_version,
                "read_model_missing",
                "plan_summary has no row for this plan, though the projector passed its events",
            )
        return None
    if not isinstance(folded, PlanSummaryRow):
        return AuditFinding(
            plan_id,
            1,
            "missing",
            f"plan_summary saw this plan up to version {kept.last_version}; the log has no "
            "event of it (up to the projector's position): the plan was deleted",
        )
    if kept.last_version > folded.last_version:
        return AuditFinding(
            plan_id,
            folded.last_version + 1,
            "missing",
            f"the log ends at version {folded.last_version}, the read model saw version "
            f"{kept.last_version}: the last event(s) were removed",
        )
    if kept.last_version < folded.last_version:
        return AuditFinding(
            plan_id,
            kept.last_version + 1,
            "inserted",
            f"{folded.last_version - kept.last_version} event(s) after version "
            f"{kept.last_version} lie below the projector's position, yet the read model "
            "never applied them: written around the engine",
        )
    if kept.head_hash != folded.head_hash:
        return AuditFinding(
            plan_id,
            kept.last_version,
            "changed",
            "the read model recorded another hash for this version: the history up to it "
            "was rewritten and re-hashed",
        )
    return None


def _differences(
    row_type: type[Row],
    kept: Mapping[tuple[object, ...], Row],
    folded_tables: Tables,
    skip: set[UUID],
    versions: Mapping[object, int],
) -> list[AuditFinding]:
    folded = folded_tables.get(row_type, {})
    table = table_spec(row_type).name
    found: list[AuditFinding] = []
    for key in sorted({*kept, *folded}, key=str):
        row = kept.get(key) or folded.get(key)
        plan_id = getattr(row, "plan_id", None)
        if plan_id in skip:
            continue
        version = getattr(row, "version", None) or versions.get(plan_id)
        where = f"{table} {'/'.join(str(part) for part in key)}"
        problem = _difference(kept.get(key), folded.get(key))
        if problem is not None:
            kind, detail = problem
            found.append(AuditFinding(plan_id, version, kind, f"{where}: {detail}"))
    return found


def _difference(kept: Row | None, folded: Row | None) -> tuple[str, str] | None:
    if folded is None:
        return "read_model_extra", "a row the log does not prove"
    if kept is None:
        return "read_model_missing", "the log implies this row; the read model lacks it"
    for column in fields(kept):
        stored, expected = getattr(kept, column.name), getattr(folded, column.name)
        if stored != expected:
            return (
                "read_model_differs",
                f"{column.name} is {stored!r}, the log says {expected!r}",
            )
    return None
