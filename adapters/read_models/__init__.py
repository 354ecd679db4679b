"""Read models in SQL: tables, the projector that fills them, rebuilds, and the queries on them."""

from adapters.read_models.audit_queries import audit_trail, export_audit
from adapters.read_models.database import ReadModelDatabase
from adapters.read_models.errors import InvalidCursorError, UnknownProjectionError
from adapters.read_models.event_log import EventLog
from adapters.read_models.opening import open_read_model_database
from adapters.read_models.outcomes import ProjectionFailure, ProjectionReport
from adapters.read_models.projection_status import projection_status
from adapters.read_models.projector import Projector
from adapters.read_models.queries import (
    PlanFilter,
    PlanPage,
    list_plans,
    plan_data,
    plan_heads,
    plan_pause,
    show_plan,
    step_timeline,
    tool_stats,
)
from adapters.read_models.read_side import ReadSide, open_read_side
from adapters.read_models.rebuild import rebuild
from adapters.read_models.target import Target

__all__ = [
    "EventLog",
    "InvalidCursorError",
    "PlanFilter",
    "PlanPage",
    "ProjectionFailure",
    "ProjectionReport",
    "Projector",
    "ReadModelDatabase",
    "ReadSide",
    "Target",
    "UnknownProjectionError",
    "audit_trail",
    "export_audit",
    "list_plans",
    "open_read_model_database",
    "open_read_side",
    "plan_data",
    "plan_heads",
    "plan_pause",
    "projection_status",
    "rebuild",
    "show_plan",
    "step_timeline",
    "tool_stats",
]
