"""Simulated runs for the read-model tests, and the summary-agrees-with-the-fold check.

Runs come from the simulator of `test_properties` (random DAGs, outcomes, crashes), with the
steps spread over several tools and, when hypothesis says so, a cancellation at a random point.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from core.domain.decisions import cancel
from core.domain.events import (
    PlanEvent,
)
from core.domain.plan import PlanState, evolve, fold
from core.domain.plan_view import plan_view
from core.domain.scheduler import elapsed_ms
from core.domain.spec import PlanSpec
from projections import (
    AuditRow,
    PlanSummaryProjection,
    StepAttemptRow,
)
from tests.unit.builders import (
    CORRELATION_ID,
)
from tests.unit.test_properties import Scenario, scenarios, simulate
from tests.unit.view_state import InMemoryViewState, projected_plan_view

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
