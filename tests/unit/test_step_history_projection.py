"""step_history: one row per started attempt, ending as that attempt's outcome."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from core.domain.events import (
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepStarted,
    StepTimedOut,
)
from projections import (
    StepAttemptRow,
    StepHistoryProjection,
)
from tests.unit.builders import (
    PLAN_ID,
    T0,
    WORKER,
    at,
    executing_plan,
    spec,
    step,
)
from tests.unit.projected_runs import (
    PROJECTION_SETTINGS,
    attempt_rows,
    multi_tool_scenarios,
    run_events,
)
from tests.unit.test_properties import Scenario
from tests.unit.view_state import InMemoryViewState, projected


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
