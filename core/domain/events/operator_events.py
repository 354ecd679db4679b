"""Events of an operator's controls: pause, unpause, retry, skip, reopen (pure)."""

from __future__ import annotations

from datetime import datetime

from core.domain.events.base import PlanEvent


class PlanPaused(PlanEvent):
    """An operator paused the plan: no new step starts until `PlanUnpaused`.

    Attempts already running finish and are recorded; time-outs, the plan's deadline and an
    approval's expiry keep counting.
    """

    by: str
    reason: str


class PlanUnpaused(PlanEvent):
    """An operator lifted the pause: steps start again."""

    by: str
    reason: str


class PlanReopened(PlanEvent):
    """A plan that ended failed or partial goes back to executing, for an operator's retry or skip.

    `deadline` is the new end of its total timeout (counted afresh from the reopening).
    """

    by: str
    reason: str
    deadline: datetime | None = None


class StepRetryRequested(PlanEvent):
    """An operator asked for a new attempt of the failed step `step_id`.

    `reopened_steps` were skipped because of it (directly, through a chain of skips, or because
    its failure stopped the plan) and are pending again. Attempt numbers keep counting; the
    step's `max_retries` applies afresh from the new attempt.
    """

    step_id: str
    by: str
    reason: str
    reopened_steps: tuple[str, ...] = ()


class StepSkippedByOperator(PlanEvent):
    """An operator marked the failed or pending step `step_id` skipped.

    Trigger rules count it as a success, so its dependants may run; `reopened_steps` were
    skipped because of it and are pending again.
    """

    step_id: str
    by: str
    reason: str
    reopened_steps: tuple[str, ...] = ()
