"""Whether plans are paused, read from the audit log: a plan's latest pause or unpause decides.

The audit log holds every `PlanPaused` and `PlanUnpaused` with who and why, so the pause needs
no column of its own in `plan_summary`; like the fold, a plan that has ended is never paused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.read_models.database import Session
from adapters.read_models.tables import ColumnKind
from core import PlanStatus
from projections.audit_log import PAUSED, UNPAUSED
from projections.rows import PlanSummaryRow

_OPEN = ", ".join(f"'{status.value}'" for status in PlanStatus if not status.is_terminal)

PAUSED_FILTER = (
    f"status IN ({_OPEN}) AND (SELECT a.action FROM audit_log a "
    f"WHERE a.plan_id = plan_summary.plan_id AND a.action IN ('{PAUSED}', '{UNPAUSED}') "
    f"ORDER BY a.version DESC LIMIT 1) = '{PAUSED}'"
)
"""A `plan_summary` condition: the plan has not ended and its latest pause action is a pause."""

PAUSED_STATUS = "paused"
"""What `plans list --status` takes for paused plans (their status stays as it was)."""


@dataclass(frozen=True)
class Pause:
    """Who paused a plan, why, and when."""

    by: str
    reason: str
    at: datetime | None


def pauses(session: Session, summaries: Sequence[PlanSummaryRow]) -> dict[UUID, Pause]:
    """The pause of each of these plans that is paused, keyed by plan id."""
    open_ids = [row.plan_id for row in summaries if not PlanStatus(row.status).is_terminal]
    if not open_ids:
        return {}
    dialect = session.dialect
    keys = [dialect.encode(ColumnKind.UUID, plan_id) for plan_id in open_ids]
    clause, params = dialect.in_list("plan_id", keys)
    rows = session.execute(
        "SELECT plan_id, action, actor, reason, at FROM audit_log "
        f"WHERE action IN (?, ?) AND {clause} ORDER BY plan_id, version",
        [PAUSED, UNPAUSED, *params],
    )
    latest: dict[UUID, tuple[str, Pause]] = {}
    for plan_id, action, actor, reason, at in rows:
        key = UUID(str(dialect.decode(ColumnKind.UUID, plan_id)))
        moment = dialect.decode(ColumnKind.TIMESTAMP, at)
        when = moment if isinstance(moment, datetime) else None
        latest[key] = (str(action), Pause(str(actor), str(reason or ""), when))
    return {plan_id: pause for plan_id, (action, pause) in latest.items() if action == PAUSED}
