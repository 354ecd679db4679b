"""Pause and unpause in the pure core: what a paused plan still does, and what does not fit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.domain.errors import (
    InvalidTransitionError,
)
from core.domain.scheduler import ExpireApproval, FinishPlan, StartStep, TimeOutStep
from core.domain.status import PlanStatus
from tests.unit.builders import (
    T0,
    Ledger,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)
from tests.unit.decided_steps import started
from tests.unit.operator_actions import (
    do_pause,
    do_unpause,
)


def test_a_paused_plan_starts_no_step_and_starts_them_again_once_unpaused() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)

    do_pause(ledger, 5)
    ledger.succeed("a", at(10))
    while_paused = ledger.settle(at(10))
    do_unpause(ledger, 20)
    after = ledger.settle(at(20))

    assert ledger.plan.paused_by is None
    assert started(while_paused) == []
    assert ledger.decide(at(15)).decisions == ()
    assert started(after) == [("b", 1)]


def test_a_paused_plan_still_times_out_running_steps_and_ends_at_its_deadline() -> None:
    ledger = executing_plan(
        spec(step("slow", timeout_ms=50), step("next", "slow"), total_timeout_ms=200)
    )
    ledger.settle(T0)
    do_pause(ledger, 1)

    timed_out = ledger.decide(at(60)).decisions
    ended = ledger.decide(at(300)).decisions

    assert timed_out == (TimeOutStep("slow", 1, 50, 60, None),)
    assert FinishPlan(PlanStatus.FAILED, "plan ran past its total timeout of 200 ms") in ended


def test_a_paused_plan_waiting_for_approval_still_expires() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approval_timeout_ms=100))
    do_pause(ledger)

    assert ledger.decide(at(150)).decisions == (ExpireApproval(),)


def test_a_retry_falling_due_while_paused_waits_for_the_unpause() -> None:
    ledger = executing_plan(spec(step("flaky", max_retries=1, retry_delay_ms=10)))
    ledger.settle(T0)
    ledger.fail("flaky", at(1))
    do_pause(ledger, 2)

    paused = ledger.decide(at(50))
    do_unpause(ledger, 60)

    assert paused.decisions == ()
    assert paused.wake_at is None
    assert ledger.decide(at(60)).decisions == (StartStep("flaky", 2),)


def test_a_plan_whose_last_step_ends_while_paused_still_finishes() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    do_pause(ledger, 1)

    ledger.succeed("a", at(5))
    ledger.settle(at(5))

    assert ledger.plan.status is PlanStatus.COMPLETED
    assert not ledger.plan.paused


@pytest.mark.parametrize(
    ("prepare", "command", "problem"),
    [
        (lambda ledger: ledger.cancel("bob", T0), do_pause, "it is cancelled"),
        (do_pause, do_pause, "already paused by olga"),
        (lambda ledger: None, do_unpause, "it is not paused"),
    ],
    ids=["pause-ended", "pause-twice", "unpause-not-paused"],
)
def test_a_pause_that_does_not_fit_raises_and_records_nothing(
    prepare: Callable[[Ledger], object], command: Callable[[Ledger], object], problem: str
) -> None:
    ledger = executing_plan(spec(step("a")))
    prepare(ledger)
    before = len(ledger.events)

    with pytest.raises(InvalidTransitionError, match=problem):
        command(ledger)

    assert len(ledger.events) == before
