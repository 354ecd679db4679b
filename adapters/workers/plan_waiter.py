"""`planledger wait`: follow one plan until it ends, woken by the store's notifications."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from uuid import UUID

from adapters.store import Wakeup
from core import EventStore, PlanNotFoundError, PlanState, evolve, fold

LOOK_AGAIN_S = 1.0
"""Reload at least this often, should a notification be missed."""


@dataclass(frozen=True)
class WaitResult:
    """The plan as the wait left it, and whether the wait gave up before the plan ended."""

    plan: PlanState
    timed_out: bool


def wait_for_end(
    store: EventStore, plan_id: UUID, wakeup: Wakeup, timeout_s: float | None
) -> WaitResult:
    """Wait until the plan is terminal or `timeout_s` passes (None: no limit)."""
    history = store.load(plan_id)
    if not history:
        raise PlanNotFoundError(plan_id)
    plan = fold(history)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    never = threading.Event()
    with wakeup:
        while not plan.is_terminal:
            remaining = LOOK_AGAIN_S if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return WaitResult(plan, timed_out=True)
            wakeup.wait(never, min(remaining, LOOK_AGAIN_S))
            for event in store.load(plan_id, after_version=plan.version):
                evolve(plan, event)
    return WaitResult(plan, timed_out=False)
