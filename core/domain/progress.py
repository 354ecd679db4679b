"""A plan's progress: the share of its steps that will never run again (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from core.domain.status import StepStatus

_DONE = tuple(status for status in StepStatus if status.is_terminal)


def progress(counts: Mapping[StepStatus, int], total: int) -> float:
    """The share of `total` steps whose status is final, from the number of steps per status.

    Rounded to four places, so the fold and the read models agree to the digit; a plan without
    steps has nothing left to do (1.0).
    """
    done = sum(counts.get(status, 0) for status in _DONE)
    return round(done / total, 4) if total else 1.0
