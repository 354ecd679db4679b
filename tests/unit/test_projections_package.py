"""The projections package: what it exports, and its registry of views in order."""

from __future__ import annotations

import projections
from projections import (
    PROJECTIONS,
    AuditRow,
    PlanStepRow,
    StepAttemptRow,
    ToolStatsRow,
)


def test_the_projections_package_exports_its_views_rows_and_protocols() -> None:
    assert sorted(projections.__all__) == sorted(
        [
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
    )


def test_every_view_is_registered_once_in_order_with_the_rows_it_owns() -> None:
    owned = {projection.name: projection.row_types for projection in PROJECTIONS}

    assert owned == {
        "plan_summary": (projections.PlanSummaryRow, PlanStepRow, projections.PlanDataRow),
        "step_history": (StepAttemptRow,),
        "audit_log": (AuditRow,),
        "tool_stats": (ToolStatsRow,),
        "notebook_plans": (projections.NotebookRow, projections.NotebookPlanRow),
    }
    assert list(owned) == [
        "plan_summary",
        "step_history",
        "audit_log",
        "tool_stats",
        "notebook_plans",
    ]
