"""An operator's actions on a test ledger (pause, unpause, retry, skip), and plans to act on."""

from __future__ import annotations

from typing import Any

from core.domain.events import (
    PlanEvent,
)
from core.domain.operator_decisions import pause, retry_step, skip_step, unpause
from tests.unit.builders import (
    CORRELATION_ID,
    T0,
    Ledger,
    at,
    executing_plan,
    spec,
    step,
)


def do_pause(ledger: Ledger, ms: int = 0, by: str = "olga") -> list[PlanEvent]:
    return ledger.record(
        pause(ledger.plan, by=by, reason="deploy freeze", now=at(ms), correlation_id=CORRELATION_ID)
    )


def do_unpause(ledger: Ledger, ms: int = 0) -> list[PlanEvent]:
    return ledger.record(
        unpause(ledger.plan, by="olga", reason="thawed", now=at(ms), correlation_id=CORRELATION_ID)
    )


def do_retry(ledger: Ledger, step_id: str, ms: int = 0) -> list[PlanEvent]:
    return ledger.record(
        retry_step(
            ledger.plan,
            step_id,
            by="olga",
            reason="flaky",
            now=at(ms),
            correlation_id=CORRELATION_ID,
        )
    )


def do_skip(ledger: Ledger, step_id: str, ms: int = 0) -> list[PlanEvent]:
    return ledger.record(
        skip_step(
            ledger.plan,
            step_id,
            by="olga",
            reason="known",
            now=at(ms),
            correlation_id=CORRELATION_ID,
        )
    )


def failed_chain(**options: Any) -> Ledger:
    """a fails; b (after a) and c (after b) are skipped because of it; d is independent."""
    ledger = executing_plan(
        spec(step("a"), step("b", "a"), step("c", "b"), step("d"), max_parallel_steps=1, **options)
    )
    ledger.settle(T0)
    ledger.fail("a", at(10))
    ledger.settle(at(10))
    return ledger


def paused_then_failed() -> Ledger:
    """The chain of `failed_chain`, paused while `a` runs; `a` fails and the plan ends failed."""
    ledger = executing_plan(
        spec(step("a"), step("b", "a"), step("c", "b"), step("d"), max_parallel_steps=1)
    )
    ledger.settle(T0)
    do_pause(ledger, 5)
    ledger.fail("a", at(10))
    ledger.settle(at(10))
    return ledger
