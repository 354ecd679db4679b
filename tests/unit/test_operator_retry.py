"""An operator's retry in the pure core: what it reopens, what it counts, when it is refused."""

from __future__ import annotations

import pytest

from core.domain.errors import (
    InvalidInputError,
    InvalidStepTransitionError,
    InvalidTransitionError,
    StepNotFoundError,
)
from core.domain.events import (
    PlanReopened,
    StepRetryRequested,
)
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import (
    T0,
    at,
    executing_plan,
    spec,
    step,
)
from tests.unit.decided_steps import started
from tests.unit.operator_actions import (
    do_retry,
    do_skip,
    failed_chain,
)


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
