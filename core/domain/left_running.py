"""Attempts a plan has running that no engine of this process started: left by another (pure)."""

from __future__ import annotations

from core.domain.errors import LeftRunningError
from core.domain.plan_state import PlanState


def refuse_left_running(plan: PlanState) -> None:
    """Raise `LeftRunningError` if tool attempts run that an engine about to start did not start.

    Plan steps waiting on their children are not counted: a child goes on by itself.
    """
    left = {
        step_id: plan.steps[step_id].worker or "unknown"
        for step_id in plan.running
        if plan.steps[step_id].child_plan_id is None
    }
    if left:
        raise LeftRunningError(plan.plan_id, left)
