"""Read models: what each view holds and how each event changes it (pure)."""

from __future__ import annotations

from projections.audit_log import AuditLogProjection
from projections.notebook_plans import NotebookPlansProjection
from projections.plan_summary import PlanSummaryProjection
from projections.projection import Projection
from projections.reader import ViewState
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
from projections.step_history import StepHistoryProjection
from projections.tool_stats import ToolStatsProjection

PROJECTIONS: tuple[Projection, ...] = (
    PlanSummaryProjection(),
    StepHistoryProjection(),
    AuditLogProjection(),
    ToolStatsProjection(),
    NotebookPlansProjection(),
)
"""Every read model, in the order the projector applies them."""

__all__ = [
    "PROJECTIONS",
    "AuditLogProjection",
    "AuditRow",
    "NotebookPlanRow",
    "NotebookPlansProjection",
    "NotebookRow",
    "PlanDataRow",
    "PlanStepRow",
    "PlanSummaryProjection",
    "PlanSummaryRow",
    "Projection",
    "Row",
    "StepAttemptRow",
    "StepHistoryProjection",
    "ToolStatsProjection",
    "ToolStatsRow",
    "ViewState",
]
