"""plan_summary and plan_steps, driven by real event histories: the rows say what the fold says."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.domain.plan import fold
from projections import (
    AuditLogProjection,
    PlanStepRow,
    PlanSummaryProjection,
    Projection,
    StepHistoryProjection,
)
from tests.unit.builders import (
    PLAN_ID,
    T0,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)
from tests.unit.projected_runs import (
    PROJECTION_SETTINGS,
    assert_summary_agrees_after_every_event,
    multi_tool_scenarios,
    run_events,
)
from tests.unit.test_properties import Scenario
from tests.unit.view_state import InMemoryViewState, projected


@PROJECTION_SETTINGS
@given(scenario=multi_tool_scenarios(), data=st.data())
def test_after_every_event_of_any_run_the_summary_rows_say_what_the_fold_says(
    scenario: Scenario, data: st.DataObject
) -> None:
    events = run_events(scenario, data)

    view = assert_summary_agrees_after_every_event(events)

    summary = view.summary(PLAN_ID)
    assert summary is not None
    assert summary.status == fold(events).status.value
    assert summary.progress == 1.0


def test_a_plan_that_waits_for_approval_is_summarised_until_it_is_approved_and_run() -> None:
    ledger = created_plan(spec(step("a"), step("b", "a"), require_approval=True, approvers=["c"]))
    waiting = projected(ledger.events, [PlanSummaryProjection()]).summary(PLAN_ID)

    ledger.approve("c", at(5))
    ledger.start_execution(at(6))
    ledger.settle(at(6))
    ledger.succeed("a", at(8), result={"ok": 1})
    ledger.settle(at(8))
    ledger.succeed("b", at(9))
    ledger.settle(at(9))
    view = assert_summary_agrees_after_every_event(ledger.events)

    assert waiting is not None
    assert (waiting.status, waiting.pending, waiting.progress) == ("pending_approval", 2, 0.0)
    summary = view.summary(PLAN_ID)
    assert summary is not None
    assert (summary.status, summary.approved_by, summary.completed) == ("completed", "c", 2)
    assert (summary.started_at, summary.finished_at, summary.duration_ms) == (at(6), at(9), 3)
    assert view.step(PLAN_ID, "a") == PlanStepRow(
        PLAN_ID, "a", 0, "echo", "completed", 1, {"ok": 1}, None, None, None, 1
    )


def test_a_rejected_plan_records_who_rejected_it_why_and_when_but_no_duration() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    ledger.reject("carol", at(7))
    view = assert_summary_agrees_after_every_event(ledger.events)

    summary = view.summary(PLAN_ID)
    assert summary is not None
    assert (summary.status, summary.rejected_by, summary.reason) == ("rejected", "carol", "no")
    assert (summary.finished_at, summary.duration_ms) == (at(7), None)
    assert (summary.skipped, summary.pending, summary.progress) == (0, 1, 0.0)


def test_an_expired_approval_leaves_the_plan_rejected_by_the_engine() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approval_timeout_ms=100))

    ledger.settle(at(100))
    view = assert_summary_agrees_after_every_event(ledger.events)

    summary = view.summary(PLAN_ID)
    assert summary is not None
    assert (summary.status, summary.rejected_by) == ("rejected", "engine")


def test_a_failed_attempt_with_a_retry_to_follow_puts_the_step_back_to_pending() -> None:
    ledger = executing_plan(spec(step("a", max_retries=1, retry_delay_ms=10)))
    ledger.settle(T0)

    ledger.fail("a", at(3))
    view = assert_summary_agrees_after_every_event(ledger.events)

    summary = view.summary(PLAN_ID)
    assert summary is not None
    assert (summary.pending, summary.running, summary.failed) == (1, 0, 0)
    assert view.step(PLAN_ID, "a") == PlanStepRow(
        PLAN_ID, "a", 0, "echo", "pending", 1, None, "boom", "it broke", None, 1
    )


def test_an_event_of_an_unknown_plan_changes_no_summary() -> None:
    ledger = executing_plan(spec(step("a")))
    view = InMemoryViewState()

    rows = view.apply(PlanSummaryProjection(), ledger.events[-1])

    assert rows == []


def test_a_plans_creation_seen_again_after_its_steps_ran_does_not_reset_its_rows() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    view = projected(ledger.events, [PlanSummaryProjection()])
    before = view.snapshot()

    rows = view.apply(PlanSummaryProjection(), ledger.events[0])

    assert rows == []
    assert view.snapshot() == before


@PROJECTION_SETTINGS
@given(scenario=multi_tool_scenarios(), data=st.data())
def test_applying_every_event_twice_gives_the_same_rows_as_applying_it_once(
    scenario: Scenario, data: st.DataObject
) -> None:
    events = run_events(scenario, data)
    idempotent: list[Projection] = [
        PlanSummaryProjection(),
        StepHistoryProjection(),
        AuditLogProjection(),
    ]

    once = projected(events, idempotent)
    twice = projected([event for event in events for _ in range(2)], idempotent)

    assert twice.snapshot() == once.snapshot()
