"""The event that sets aside a plan whose processing keeps crashing engines (pure)."""

from __future__ import annotations

from core.domain.events.base import PlanEvent


class PlanQuarantinedAfterCrashes(PlanEvent):
    """`by` (a worker) set the plan aside: processing it crashed an engine `crashes` times in a
    row (an exception that escaped it, or a process that died holding it), `reason` says the
    last. The plan ends `failed`, like a cancel: attempts left running are cancelled and pending
    steps skipped, so no worker picks it up again and the others go on.
    """

    by: str
    crashes: int
    reason: str
