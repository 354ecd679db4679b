"""Whether a plan is paused, and who paused it, why and when (pure).

An operator's `PlanPaused` holds until their `PlanUnpaused`, and no step starts meanwhile. A
plan that ends is not paused; its pause is not forgotten, though: if an operator reopens the
plan (`PlanReopened`), the pause holds again until it is lifted. The fold and the plan summary
both follow these two functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.domain.events import PlanEvent, PlanPaused, PlanUnpaused
from core.domain.status import PlanStatus


@dataclass(frozen=True)
class Pause:
    """Who paused a plan, why, and when."""

    by: str
    reason: str
    at: datetime


PAUSE_EVENTS = frozenset({PlanPaused, PlanUnpaused})
"""The only events that change a plan's pause; `pause_after` returns it as it was for others.

Compared by exact class: the plan summary asks for every event it applies (a class pattern would
cost a pydantic `isinstance`)."""


def pause_after(pause: Pause | None, event: PlanEvent) -> Pause | None:
    """The plan's pause after `event`: set by a pause, lifted by an unpause, kept by the rest.

    Returns `pause` itself when the event leaves it as it was.
    """
    if type(event) not in PAUSE_EVENTS:
        return pause
    if type(event) is PlanPaused:
        return Pause(event.by, event.reason, event.timestamp)
    return None


def holding(pause: Pause | None, status: PlanStatus) -> Pause | None:
    """The pause if it holds for a plan in `status`: never once the plan has ended."""
    return None if status.is_terminal else pause
