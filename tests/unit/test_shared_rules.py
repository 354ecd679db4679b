"""The rules the fold and the read models share, owned by core: how an attempt ended, progress,
and whether a plan is paused; the projections say what the fold says because they ask core."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.attempt_outcomes import TIMED_OUT, TIMEOUT, attempt_outcome
from core.domain.events import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepStarted,
    StepTimedOut,
)
from core.domain.pause import Pause, holding
from core.domain.plan import PlanState, evolve
from core.domain.plan_state import StepError
from core.domain.progress import progress
from core.domain.status import PlanStatus, StepStatus
from projections import PlanSummaryProjection
from projections.pause_rows import ENDED_PAUSE
from tests.unit.builders import (
    CORRELATION_ID,
    PLAN_ID,
    T0,
    Ledger,
    at,
    executing_plan,
    spec,
    step,
)
from tests.unit.operator_actions import do_pause, do_retry, do_unpause
from tests.unit.test_operator_properties import operated
from tests.unit.test_properties import PROPERTY_SETTINGS, Scenario, scenarios
from tests.unit.view_state import InMemoryViewState

STAMP = {
    "originator_id": PLAN_ID,
    "originator_version": 9,
    "timestamp": T0,
    "actor": "engine",
    "correlation_id": CORRELATION_ID,
}


def test_a_completed_attempt_completes_its_step_with_its_result_and_no_error() -> None:
    event = StepCompleted(**STAMP, step_id="a", attempt=2, tool="echo", result=7, duration_ms=5)

    outcome = attempt_outcome(event)

    assert outcome is not None
    assert (outcome.step_id, outcome.attempt, outcome.status) == ("a", 2, "completed")
    assert (outcome.step_status, outcome.result, outcome.error) == (StepStatus.COMPLETED, 7, None)
    assert (outcome.duration_ms, outcome.tool) == (5, "echo")


def test_a_failed_attempt_leaves_its_step_pending_when_a_retry_follows_else_failed() -> None:
    common = {**STAMP, "step_id": "a", "attempt": 1, "tool": "http", "duration_ms": 3}
    retried = StepFailed(**common, error_type="http_500", message="down", will_retry=True)
    final = StepFailed(**common, error_type="http_500", message="down")

    again, failed = attempt_outcome(retried), attempt_outcome(final)

    assert again is not None
    assert failed is not None
    assert (again.status, again.step_status, again.retry) == ("failed", StepStatus.PENDING, True)
    assert (failed.status, failed.step_status, failed.retry) == ("failed", StepStatus.FAILED, False)
    assert failed.error == StepError("http_500", "down")
    assert failed.sets_step_error


def test_a_timed_out_attempt_is_a_timeout_error_and_its_own_status() -> None:
    event = StepTimedOut(
        **STAMP, step_id="a", attempt=1, tool="shell", timeout_ms=50, duration_ms=51
    )

    outcome = attempt_outcome(event)

    assert outcome is not None
    assert (outcome.status, outcome.step_status) == (TIMED_OUT, StepStatus.FAILED)
    assert outcome.error == StepError(TIMEOUT, "attempt 1 ran past 50 ms")


def test_an_interrupted_attempt_runs_again_at_once_and_is_no_tool_failure() -> None:
    event = StepInterrupted(**STAMP, step_id="a", attempt=3, worker="w1")

    outcome = attempt_outcome(event)

    assert outcome is not None
    assert (outcome.status, outcome.step_status, outcome.retry) == (
        "interrupted",
        StepStatus.PENDING,
        False,
    )
    assert outcome.error == StepError("interrupted", "attempt 3 on w1 was cut off")
    assert outcome.tool is None


def test_a_cancelled_attempt_names_its_reason_and_leaves_the_steps_last_error() -> None:
    event = StepCancelled(**STAMP, step_id="a", attempt=1, reason="plan cancelled")

    outcome = attempt_outcome(event)

    assert outcome is not None
    assert (outcome.status, outcome.step_status) == ("cancelled", StepStatus.CANCELLED)
    assert outcome.error == StepError("cancelled", "plan cancelled")
    assert outcome.cancel_reason == "plan cancelled"
    assert not outcome.sets_step_error


def test_an_event_that_ends_no_attempt_has_no_outcome() -> None:
    event = StepStarted(**STAMP, step_id="a", attempt=1, tool="echo", worker="w", parameters={})

    assert attempt_outcome(event) is None


def test_progress_is_the_share_of_final_steps_rounded_and_a_plan_without_steps_is_done() -> None:
    counts = Counter({StepStatus.COMPLETED: 1, StepStatus.SKIPPED: 1, StepStatus.RUNNING: 1})

    assert progress(counts, 3) == 0.6667
    assert progress(Counter({StepStatus.PENDING: 2}), 2) == 0.0
    assert progress(Counter(), 0) == 1.0


def test_a_pause_does_not_hold_once_the_plan_has_ended() -> None:
    pause = Pause("olga", "freeze", T0)

    assert holding(pause, PlanStatus.EXECUTING) == pause
    assert holding(pause, PlanStatus.FAILED) is None
    assert holding(None, PlanStatus.EXECUTING) is None


def project_and_compare(events: list[PlanEvent]) -> InMemoryViewState:
    """After every event the summary row's pause is the one the fold says holds; applying an
    event a second time changes nothing."""
    view = InMemoryViewState()
    projection = PlanSummaryProjection()
    plan: PlanState | None = None
    for event in events:
        plan = evolve(plan, event)
        view.apply(projection, event)
        before = view.snapshot()
        view.apply(projection, event)
        summary = view.summary(plan.plan_id)
        assert summary is not None
        assert summary.pause == holding(plan.pause, plan.status), event
        assert view.snapshot() == before, event
    return view


def failed_while_paused() -> Ledger:
    """a runs, olga pauses the plan at 5 ms, a fails at 10 ms: the plan fails (b is skipped)."""
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    do_pause(ledger, 5)
    ledger.fail("a", at(10))
    ledger.settle(at(10))
    return ledger


def test_a_plan_that_fails_while_paused_is_not_paused_until_a_retry_reopens_it() -> None:
    ledger = failed_while_paused()
    ended = ledger.plan.status
    do_retry(ledger, "a", 20)
    reopened_paused = ledger.plan.paused
    do_unpause(ledger, 30)
    ledger.settle(at(30))
    ledger.succeed("a", at(40))
    ledger.settle(at(40))
    ledger.succeed("b", at(50))
    ledger.settle(at(50))

    view = project_and_compare(ledger.events)

    assert ended is PlanStatus.FAILED
    assert reopened_paused
    assert ledger.plan.status is PlanStatus.COMPLETED
    kept = view.data(PLAN_ID, ENDED_PAUSE)
    assert kept is not None
    assert kept.data is None


def test_the_pause_a_plan_ended_with_is_kept_for_a_reopening() -> None:
    ledger = failed_while_paused()

    view = project_and_compare(ledger.events)

    summary = view.summary(PLAN_ID)
    kept = view.data(PLAN_ID, ENDED_PAUSE)
    assert summary is not None
    assert summary.status == "failed"
    assert (summary.paused_by, summary.pause_reason, summary.paused_at) == (None, None, None)
    assert kept is not None
    assert kept.data == {"by": "olga", "reason": "deploy freeze", "at": at(5).isoformat()}


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(scenario=scenarios(), data=st.data())
def test_the_summary_rows_pause_is_the_folds_through_random_pauses_ends_and_reopenings(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = operated(scenario, data)

    project_and_compare(run.events)
