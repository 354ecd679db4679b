"""Operator controls in the pure core: pause, unpause, retry and skip; the fold and schedule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from core.domain.errors import (
    InvalidInputError,
    InvalidStepTransitionError,
    InvalidTransitionError,
    StepNotFoundError,
)
from core.domain.events import (
    PlanEvent,
    PlanReopened,
    StepRetryRequested,
    StepSkippedByOperator,
    StepStarted,
)
from core.domain.operator_decisions import pause, retry_step, skip_step, unpause
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from core.domain.scheduler import ExpireApproval, FinishPlan, StartStep, TimeOutStep
from core.domain.status import PlanStatus, StepStatus
from projections.rows import AuditRow
from tests.unit.builders import (
    CORRELATION_ID,
    T0,
    Ledger,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)
from tests.unit.test_expansion import listed
from tests.unit.view_state import projected, projected_plan_view


def started(events: Sequence[PlanEvent]) -> list[tuple[str, int]]:
    return [(e.step_id, e.attempt) for e in events if isinstance(e, StepStarted)]


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


# Pause and unpause


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


# Retry


def test_a_retry_reopens_a_failed_plan_and_brings_back_what_was_skipped_because_of_it() -> None:
    ledger = failed_chain()
    assert ledger.plan.status is PlanStatus.FAILED

    events = do_retry(ledger, "a", 100)
    runs = ledger.settle(at(100))

    assert [type(e) for e in events] == [PlanReopened, StepRetryRequested]
    retry = events[1]
    assert isinstance(retry, StepRetryRequested)
    assert retry.reopened_steps == ("b", "c", "d")
    assert ledger.plan.status is PlanStatus.EXECUTING
    assert ledger.plan.finished_at is None
    assert started(runs) == [("a", 2)]
    assert list(ledger.plan.ready) == ["d"]
    ledger.succeed("a", at(110))
    assert list(ledger.plan.ready) == ["d", "b"]


def test_a_retried_step_gets_its_max_retries_afresh_and_its_attempts_keep_counting() -> None:
    ledger = executing_plan(spec(step("flaky", max_retries=1)))
    ledger.settle(T0)
    ledger.fail("flaky", at(1))
    ledger.settle(at(1))
    ledger.fail("flaky", at(2))
    ledger.settle(at(2))
    assert ledger.plan.status is PlanStatus.FAILED

    do_retry(ledger, "flaky", 10)
    ledger.settle(at(10))
    retried = ledger.fail("flaky", at(11))
    ledger.settle(at(11))

    assert ledger.attempt("flaky") == 4
    assert retried[0].will_retry is True  # type: ignore[attr-defined]
    assert ledger.plan.status is PlanStatus.EXECUTING


def test_a_step_skipped_for_two_failures_comes_back_and_is_skipped_again_for_the_other() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c", "a", "b"), continue_on_error=True))
    ledger.settle(T0)
    ledger.fail("a", at(1))
    ledger.fail("b", at(1))
    ledger.settle(at(1))
    assert ledger.plan.steps["c"].skip_cause == "a"

    retry = do_retry(ledger, "a", 5)
    again = ledger.settle(at(5))

    assert retry[-1].reopened_steps == ("c",)  # type: ignore[attr-defined]
    assert ledger.status("c") is StepStatus.SKIPPED
    assert ledger.plan.steps["c"].skip_cause == "b"
    assert started(again) == [("a", 2)]


def test_a_retry_is_refused_while_another_failure_would_stop_the_plan_again() -> None:
    ledger = executing_plan(spec(step("a"), step("b")))
    ledger.settle(T0)
    ledger.fail("a", at(1))
    ledger.fail("b", at(1))
    ledger.settle(at(1))

    with pytest.raises(InvalidStepTransitionError, match="step 'b' failed too"):
        do_retry(ledger, "a")

    do_skip(ledger, "b", 2)
    do_retry(ledger, "a", 3)
    assert started(ledger.settle(at(3))) == [("a", 2)]


@pytest.mark.parametrize(
    ("step_id", "error", "problem"),
    [
        ("nope", StepNotFoundError, "has no step 'nope'"),
        ("b", InvalidStepTransitionError, r"skipped because of 'a': retry that one"),
        ("d", InvalidStepTransitionError, "it is completed; only a failed step"),
    ],
)
def test_a_retry_of_a_step_that_did_not_fail_raises_and_records_nothing(
    step_id: str, error: type[InvalidInputError], problem: str
) -> None:
    ledger = executing_plan(spec(step("d"), step("a", "d"), step("b", "a")))
    ledger.settle(T0)
    ledger.succeed("d", at(1))
    ledger.settle(at(1))
    ledger.fail("a", at(2))
    ledger.settle(at(2))
    before = len(ledger.events)

    with pytest.raises(error, match=problem):
        do_retry(ledger, step_id)

    assert len(ledger.events) == before


def test_no_step_of_a_cancelled_plan_is_retried_or_skipped() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), continue_on_error=True))
    ledger.settle(T0)
    ledger.fail("a", at(1))
    ledger.cancel("bob", at(2))

    with pytest.raises(InvalidTransitionError, match=r"cannot retry a step of .*: it is cancelled"):
        do_retry(ledger, "a")
    with pytest.raises(InvalidTransitionError, match="cannot skip a step of"):
        do_skip(ledger, "a")


def test_a_running_step_cannot_be_skipped_nor_retried() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)

    with pytest.raises(InvalidStepTransitionError, match="it is running"):
        do_skip(ledger, "a")
    with pytest.raises(InvalidStepTransitionError, match="it is running"):
        do_retry(ledger, "a")


# Skip


def test_a_skipped_failure_lets_its_dependants_run_and_the_plan_complete() -> None:
    ledger = failed_chain()

    events = do_skip(ledger, "a", 100)
    runs = ledger.settle(at(100))
    for ms in (110, 120, 130):
        for step_id in list(ledger.plan.running):
            ledger.succeed(step_id, at(ms))
        runs += ledger.settle(at(ms))

    assert [type(e) for e in events] == [PlanReopened, StepSkippedByOperator]
    assert ledger.status("a") is StepStatus.SKIPPED
    assert ledger.plan.steps["a"].skip_reason == "skipped by olga: known"
    assert sorted(started(runs)) == [("b", 1), ("c", 1), ("d", 1)]
    assert ledger.plan.status is PlanStatus.COMPLETED


@pytest.mark.parametrize(
    ("trigger", "runs"), [("all_success", True), ("none_failed", True), ("one_failed", False)]
)
def test_trigger_rules_count_an_operators_skip_as_a_success(trigger: str, runs: bool) -> None:
    ledger = created_plan(spec(step("a"), step("b", "a", trigger=trigger)))

    do_skip(ledger, "a")

    assert ledger.plan.tallies["b"].succeeded == 1
    assert ("b" in ledger.plan.ready) is runs


def test_a_pending_step_skipped_before_execution_never_runs() -> None:
    ledger = created_plan(spec(step("a"), step("b", "a")))
    do_skip(ledger, "a")

    ledger.start_execution(at(1))
    runs = ledger.settle(at(1))

    assert started(runs) == [("b", 1)]


# Fold and read models


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


def test_every_prefix_with_operator_events_folds_and_the_summary_rows_agree() -> None:
    ledger = paused_then_failed()
    do_retry(ledger, "a", 30)
    ledger.settle(at(30))
    do_unpause(ledger, 40)
    ledger.settle(at(40))
    ledger.fail("a", at(50))
    ledger.settle(at(50))
    do_skip(ledger, "a", 60)
    ledger.settle(at(60))

    assert started(ledger.events) == [("a", 1), ("a", 2), ("b", 1)]
    for count in range(1, len(ledger.events) + 1):
        prefix = ledger.events[:count]
        assert projected_plan_view(projected(prefix), ledger.plan.plan_id) == plan_view(
            fold(prefix)
        ), count
    assert plan_view(fold(ledger.events)) == plan_view(ledger.plan)


def test_each_operator_action_is_one_audit_row_with_who_and_why() -> None:
    ledger = paused_then_failed()
    do_retry(ledger, "a", 30)
    do_unpause(ledger, 40)
    ledger.settle(at(40))
    ledger.fail("a", at(50))
    ledger.settle(at(50))
    do_skip(ledger, "a", 60)

    rows = sorted(projected(ledger.events).rows(AuditRow), key=lambda row: row.version)

    assert [(row.action, row.actor, row.reason) for row in rows] == [
        ("created", "alice", None),
        ("paused", "olga", "deploy freeze"),
        ("step_retried", "olga", "step 'a': flaky"),
        ("unpaused", "olga", "thawed"),
        ("step_skipped", "olga", "step 'a': known"),
    ]


def test_a_pause_outlives_the_plans_end_and_holds_once_it_is_reopened() -> None:
    ledger = paused_then_failed()
    assert ledger.plan.status is PlanStatus.FAILED
    assert not ledger.plan.paused

    do_retry(ledger, "a", 30)

    assert ledger.plan.paused
    assert ledger.decide(at(30) + timedelta(seconds=1)).decisions == ()


@pytest.mark.parametrize("step_id", ["map", "map[0]"])
def test_an_expanded_map_and_its_items_are_neither_retried_nor_skipped_alone(step_id: str) -> None:
    ledger = listed(["a", "b"], continue_on_error=True)
    ledger.fail("map[0]", at(2))
    ledger.settle(at(2))
    ledger.succeed("map[1]", at(3), "B")
    ledger.settle(at(3))
    assert ledger.plan.status is PlanStatus.PARTIAL
    version = ledger.plan.version

    for command in (do_retry, do_skip):
        with pytest.raises(InvalidStepTransitionError, match="fork the plan from 'map'"):
            command(ledger, step_id, 4)

    assert ledger.plan.version == version
