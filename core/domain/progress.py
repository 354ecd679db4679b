"""A plan's progress: the share of its steps that will never run again (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat

from core.domain.status import StepStatus

_DONE = tuple(status.value for status in StepStatus if status.is_terminal)


def progress(counts: Mapping[str, int], total: int) -> float:
    """The share of `total` steps whose status is final, from the number of steps per status
    (keyed by the status's value, as the read models name their count columns; 0 if absent).

    Rounded to four places, so the fold and the read models agree to the digit; a plan without
    steps has nothing left to do (1.0).
    """
    done = sum(map(counts.get, _DONE, repeat(0)))
    return round(done / total, 4) if total else 1.0
