"""The read models, driven by real event histories: each view says what the events say.

Runs come from the simulator of `test_properties` (random DAGs, outcomes, crashes), with the
steps spread over several tools and, when hypothesis says so, a cancellation at a random point.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import projections
from core.domain.decisions import cancel
from core.domain.events import (
    PlanCompleted,
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import PlanState, evolve, fold
from core.domain.plan_view import plan_view
from core.domain.scheduler import elapsed_ms
from core.domain.spec import PlanSpec
from projections import (
    PROJECTIONS,
    AuditLogProjection,
    AuditRow,
    PlanStepRow,
    PlanSummaryProjection,
    Projection,
    StepAttemptRow,
    StepHistoryProjection,
    ToolStatsProjection,
    ToolStatsRow,
)
from tests.unit.builders import (
    CORRELATION_ID,
    PLAN_ID,
    T0,
    WORKER,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)
from tests.unit.test_properties import Scenario, scenarios, simulate
from tests.unit.view_state import InMemoryViewState, projected, projected_plan_view

PROJECTION_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TOOLS = st.sampled_from(["echo", "shell", "http"])
CRASHES = st.integers(0, 3)


@st.composite
def multi_tool_scenarios(draw: st.DrawFn) -> Scenario:
    """A scenario of `test_properties` whose steps call one of several tools."""
    scenario = draw(scenarios())
    data = scenario.plan_spec.model_dump()
    for step_data in data["steps"]:
        step_data["tool"] = draw(TOOLS)
    return Scenario(PlanSpec.model_validate(data), scenario.outcomes)


def run_events(scenario: Scenario, data: st.DataObject) -> list[PlanEvent]:
    """A simulated run, possibly with crashes, possibly cancelled by a person part way."""
    events = simulate(scenario, data, crashes=data.draw(CRASHES, label="crashes")).events
    cut = data.draw(st.integers(1, len(events)), label="cancelled after event")
    if cut == len(events):
        return events
    kept = events[:cut]
    now = kept[-1].timestamp + timedelta(milliseconds=1)
    stopped = cancel(fold(kept), by="bob", reason="enough", now=now, correlation_id=CORRELATION_ID)
    return [*kept, *stopped]


def assert_summary_agrees(view: InMemoryViewState, plan: PlanState, last: PlanEvent) -> None:
    """The rows say what the folded plan says, and point at the last event applied."""
    assert projected_plan_view(view, plan.plan_id) == plan_view(plan), last
    summary = view.summary(plan.plan_id)
    assert summary is not None
    assert (summary.last_version, summary.head_hash, summary.last_event_at) == (
        last.version,
        last.hash,
        last.timestamp,
    )
    assert (summary.created_at, summary.started_at, summary.finished_at) == (
        plan.created_at,
        plan.started_at,
        plan.finished_at,
    )
    assert summary.rejected_by == plan.rejected_by
    started, finished = plan.started_at, plan.finished_at
    expected_duration = elapsed_ms(started, finished) if started and finished else None
    assert summary.duration_ms == expected_duration


def assert_summary_agrees_after_every_event(events: list[PlanEvent]) -> InMemoryViewState:
    """Project event by event; after the k-th, compare with the fold of the first k events.

    The fold is kept incrementally (`evolve` of each event onto the fold of the ones before),
    which is what `fold(events[:k])` computes, without refolding every prefix.
    """
    view = InMemoryViewState()
    projection = PlanSummaryProjection()
    plan: PlanState | None = None
    for event in events:
        plan = evolve(plan, event)
        view.apply(projection, event)
        assert_summary_agrees(view, plan, event)
    return view


def attempt_rows(view: InMemoryViewState) -> dict[tuple[str, int], StepAttemptRow]:
    return {(row.step_id, row.attempt): row for row in view.rows(StepAttemptRow)}


def audit_rows(view: InMemoryViewState) -> list[AuditRow]:
    return sorted(view.rows(AuditRow), key=lambda row: row.version)


# plan_summary and plan_steps


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


# step_history


@PROJECTION_SETTINGS
@given(scenario=multi_tool_scenarios(), data=st.data())
def test_step_history_has_one_row_per_started_attempt_ending_as_its_outcome(
    scenario: Scenario, data: st.DataObject
) -> None:
    events = run_events(scenario, data)
    outcomes = {
        StepCompleted: "completed",
        StepFailed: "failed",
        StepTimedOut: "timed_out",
        StepInterrupted: "interrupted",
        StepCancelled: "cancelled",
    }
    expected: dict[tuple[str, int], tuple[str, str, str, object]] = {}
    for event in events:
        if isinstance(event, StepStarted):
            expected[(event.step_id, event.attempt)] = (
                "running",
                event.tool,
                event.worker,
                event.timestamp,
            )
        elif isinstance(
            event, StepCompleted | StepFailed | StepTimedOut | StepInterrupted | StepCancelled
        ):
            key = (event.step_id, event.attempt)
            expected[key] = (outcomes[type(event)], *expected[key][1:])

    view = projected(events, [StepHistoryProjection()])

    rows = attempt_rows(view)
    assert {
        key: (row.status, row.tool, row.worker, row.started_at) for key, row in rows.items()
    } == expected
    assert all(row.status != "running" for row in rows.values())


def test_a_failed_attempt_stays_failed_when_its_retry_succeeds() -> None:
    ledger = executing_plan(spec(step("a", tool="shell", max_retries=1)))
    ledger.settle(T0)
    ledger.fail("a", at(5))
    ledger.settle(at(5))

    ledger.succeed("a", at(9))
    view = projected(ledger.events, [StepHistoryProjection()])

    assert attempt_rows(view) == {
        ("a", 1): StepAttemptRow(
            PLAN_ID, "a", 1, "shell", "failed", T0, at(5), 1, "boom", "it broke", WORKER
        ),
        ("a", 2): StepAttemptRow(
            PLAN_ID, "a", 2, "shell", "completed", at(5), at(9), 1, None, None, WORKER
        ),
    }


def test_an_attempt_past_its_timeout_is_recorded_as_timed_out() -> None:
    ledger = executing_plan(spec(step("a", timeout_ms=50)))
    ledger.settle(T0)

    ledger.settle(at(60))
    view = projected(ledger.events, [StepHistoryProjection()])

    row = attempt_rows(view)[("a", 1)]
    assert (row.status, row.error_type, row.error_message) == (
        "timed_out",
        "timeout",
        "attempt 1 ran past 50 ms",
    )
    assert (row.finished_at, row.duration_ms) == (at(60), 60)


def test_attempts_cut_off_by_a_crash_or_stopped_by_a_cancellation_say_so() -> None:
    ledger = executing_plan(spec(step("a"), step("b")))
    ledger.settle(T0)
    ledger.resume("ops", at(5))
    ledger.settle(at(5))

    ledger.cancel("bob", at(7))
    view = projected(ledger.events, [StepHistoryProjection()])

    rows = attempt_rows(view)
    assert [(key, row.status, row.error_type) for key, row in sorted(rows.items())] == [
        (("a", 1), "interrupted", "interrupted"),
        (("a", 2), "cancelled", "cancelled"),
        (("b", 1), "interrupted", "interrupted"),
        (("b", 2), "cancelled", "cancelled"),
    ]
    assert rows[("a", 1)].error_message == "attempt 1 on worker-1 was cut off"
    assert (rows[("a", 2)].error_message, rows[("a", 2)].finished_at) == ("enough", at(7))


def test_an_outcome_for_an_attempt_the_history_does_not_know_is_ignored() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    completed = ledger.succeed("a", at(2))

    rows = InMemoryViewState().apply(StepHistoryProjection(), completed[0])

    assert rows == []


# audit_log


def test_an_approval_is_audited_with_its_approver_comment_version_and_hash() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True), by="alice")

    approved = ledger.approve("carol", at(10))
    view = projected(ledger.events, [AuditLogProjection()])

    created = ledger.events[0]
    assert audit_rows(view) == [
        AuditRow(PLAN_ID, 1, "created", "alice", T0, None, "PlanCreated", created.hash),
        AuditRow(PLAN_ID, 3, "approved", "carol", at(10), "ok", "PlanApproved", approved[0].hash),
    ]


def test_an_automatic_approval_is_audited_as_the_engines() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, auto_approve=True))

    view = projected(ledger.events, [AuditLogProjection()])

    last = audit_rows(view)[-1]
    assert (last.action, last.actor, last.reason, last.version) == (
        "approved",
        "engine",
        "auto_approve",
        3,
    )


def test_a_rejection_is_audited_with_its_reason() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    rejected = ledger.reject("carol", at(4))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[-1] == AuditRow(
        PLAN_ID, 3, "rejected", "carol", at(4), "no", "PlanRejected", rejected[0].hash
    )


def test_an_expired_approval_is_audited_as_the_engines_policy_action() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approval_timeout_ms=100))

    expired = ledger.settle(at(100))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[-1] == AuditRow(
        PLAN_ID,
        3,
        "approval_expired",
        "engine",
        at(100),
        "approval expired",
        "PlanRejected",
        expired[0].hash,
    )


def test_a_cancellation_and_a_resume_are_audited_with_who_did_them() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    resumed = ledger.resume("ops", at(5))

    cancelled = ledger.cancel("bob", at(7))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[1:] == [
        AuditRow(
            PLAN_ID,
            resumed[0].version,
            "resumed",
            "ops",
            at(5),
            None,
            "PlanResumed",
            resumed[0].hash,
        ),
        AuditRow(
            PLAN_ID,
            cancelled[-1].version,
            "cancelled",
            "bob",
            at(7),
            "enough",
            "PlanCancelled",
            cancelled[-1].hash,
        ),
    ]


def test_a_run_without_people_in_it_audits_only_the_creation() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    ledger.settle(at(1))
    ledger.succeed("b", at(2))

    finished = ledger.settle(at(2))
    view = projected(ledger.events, [AuditLogProjection()])

    assert isinstance(finished[-1], PlanCompleted)
    assert [row.action for row in audit_rows(view)] == ["created"]


# tool_stats


@PROJECTION_SETTINGS
@given(scenario=multi_tool_scenarios(), data=st.data())
def test_tool_stats_count_what_the_events_say_each_tool_did(
    scenario: Scenario, data: st.DataObject
) -> None:
    events = run_events(scenario, data)
    expected: dict[str, Counter[str]] = {}
    for event in events:
        if isinstance(event, StepStarted | StepCompleted | StepFailed | StepTimedOut):
            counts = expected.setdefault(event.tool, Counter())
            counts["calls"] += isinstance(event, StepStarted)
            counts["completed"] += isinstance(event, StepCompleted)
            counts["failures"] += isinstance(event, StepFailed | StepTimedOut)
            counts["timeouts"] += isinstance(event, StepTimedOut)
            counts["retries"] += isinstance(event, StepFailed | StepTimedOut) and event.will_retry

    view = projected(events, [ToolStatsProjection()])

    assert {row.tool: row for row in view.rows(ToolStatsRow)} == {
        tool: ToolStatsRow(
            tool,
            counts["calls"],
            counts["completed"],
            counts["failures"],
            counts["retries"],
            counts["timeouts"],
        )
        for tool, counts in expected.items()
    }


def test_a_timed_out_call_that_is_retried_counts_as_a_failure_a_timeout_and_a_retry() -> None:
    ledger = executing_plan(spec(step("a", tool="http", timeout_ms=50, max_retries=1)))
    ledger.settle(T0)
    ledger.settle(at(50))

    ledger.succeed("a", at(60))
    view = projected(ledger.events, [ToolStatsProjection()])

    assert view.tool_stats("http") == ToolStatsRow(
        "http", calls=2, completed=1, failures=1, retries=1, timeouts=1
    )


# the package


def test_the_projections_package_exports_its_views_rows_and_protocols() -> None:
    assert sorted(projections.__all__) == sorted(
        [
            "PROJECTIONS",
            "AuditLogProjection",
            "AuditRow",
            "NotebookPlanRow",
            "NotebookPlansProjection",
            "NotebookRow",
            "PlanDataRow",
            "PlanStepRow",
            "PlanSummaryProjection",
            "PlanSummaryRow",
            "Projection",
            "Row",
            "StepAttemptRow",
            "StepHistoryProjection",
            "ToolStatsProjection",
            "ToolStatsRow",
            "ViewState",
        ]
    )


def test_every_view_is_registered_once_in_order_with_the_rows_it_owns() -> None:
    owned = {projection.name: projection.row_types for projection in PROJECTIONS}

    assert owned == {
        "plan_summary": (projections.PlanSummaryRow, PlanStepRow, projections.PlanDataRow),
        "step_history": (StepAttemptRow,),
        "audit_log": (AuditRow,),
        "tool_stats": (ToolStatsRow,),
        "notebook_plans": (projections.NotebookRow, projections.NotebookPlanRow),
    }
    assert list(owned) == [
        "plan_summary",
        "step_history",
        "audit_log",
        "tool_stats",
        "notebook_plans",
    ]
