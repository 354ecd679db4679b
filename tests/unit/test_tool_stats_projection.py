"""tool_stats: per tool, what the events say it did (calls, failures, timeouts, retries)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from core.domain.events import (
    StepCompleted,
    StepFailed,
    StepStarted,
    StepTimedOut,
)
from projections import (
    ToolStatsProjection,
    ToolStatsRow,
)
from tests.unit.builders import (
    T0,
    at,
    executing_plan,
    spec,
    step,
)
from tests.unit.projected_runs import (
    PROJECTION_SETTINGS,
    multi_tool_scenarios,
    run_events,
)
from tests.unit.test_properties import Scenario
from tests.unit.view_state import projected


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
