"""Properties of runs an operator interferes with: random pauses, and retries or skips of failed
steps after the plan ended (hypothesis, on the simulator of `test_properties`)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.decisions import create_plan, start_execution
from core.domain.errors import InvalidInputError
from core.domain.events import (
    PlanEvent,
    PlanPaused,
    PlanUnpaused,
    StepSkippedByOperator,
    StepStarted,
)
from core.domain.operator_decisions import pause, retry_step, skip_step, unpause
from core.domain.plan import evolve, fold
from core.domain.status import StepStatus
from tests.unit.builders import CORRELATION_ID, PLAN_ID, T0
from tests.unit.projected_runs import assert_summary_agrees_after_every_event
from tests.unit.test_properties import (
    PROPERTY_SETTINGS,
    Run,
    Scenario,
    _turn,
    max_turns,
    scenarios,
    snapshot,
)

MAX_INTERVENTIONS = 3
MAX_PAUSES = 3
OPERATED_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=100)
PAUSE_NOW = st.integers(0, 6).map(lambda n: n == 0)


def operated(scenario: Scenario, data: st.DataObject) -> Run:
    """Run the scenario; pause and unpause at random; after each end, retry or skip a failed
    step (up to `MAX_INTERVENTIONS` times) and run on."""
    first, *rest = create_plan(
        PLAN_ID, scenario.plan_spec, by="alice", now=T0, correlation_id=CORRELATION_ID
    )
    run = Run(scenario, evolve(None, first), events=[first], snapshots=[])
    run.snapshots.append(snapshot(run.plan))
    run.record(rest)
    run.record(start_execution(run.plan, now=T0, correlation_id=CORRELATION_ID))
    _run_to_the_end(run, data)
    for _ in range(MAX_INTERVENTIONS):
        if not _intervene(run, data):
            break
        _run_to_the_end(run, data)
    return run


def _run_to_the_end(run: Run, data: st.DataObject) -> None:
    turns = pauses = 0
    while not run.plan.is_terminal:
        plan, now = run.plan, run.now
        if plan.paused and (not plan.running or data.draw(PAUSE_NOW)):
            run.record(unpause(plan, by="op", reason="", now=now, correlation_id=CORRELATION_ID))
        elif not plan.paused and pauses < MAX_PAUSES and data.draw(PAUSE_NOW):
            pauses += 1
            run.record(pause(plan, by="op", reason="look", now=now, correlation_id=CORRELATION_ID))
        else:
            turns += 1
            assert turns <= max_turns(run.scenario), "the run did not terminate"
            _turn(run, data)


def _intervene(run: Run, data: st.DataObject) -> bool:
    failed = [s for s, step in run.plan.steps.items() if step.status is StepStatus.FAILED]
    if not failed:
        return False
    step_id = data.draw(st.sampled_from(failed), label="operated step")
    retry = data.draw(st.booleans(), label="retry (else skip)")
    for command in (retry_step, skip_step) if retry else (skip_step,):
        try:
            events = command(
                run.plan, step_id, by="op", reason="why", now=run.now, correlation_id=CORRELATION_ID
            )
        except InvalidInputError:
            continue  # another failure stops the plan, or it stopped at its total timeout
        run.record(events)
        return True
    return False


def starts_while_paused(events: list[PlanEvent]) -> list[tuple[str, int]]:
    paused = False
    late = []
    for event in events:
        if isinstance(event, PlanPaused):
            paused = True
        elif isinstance(event, PlanUnpaused):
            paused = False
        elif isinstance(event, StepStarted) and paused:
            late.append((event.step_id, event.attempt))
    return late


@OPERATED_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_an_operated_run_ends_and_starts_nothing_while_paused(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = operated(scenario, data)

    assert run.plan.is_terminal
    assert starts_while_paused(run.events) == []
    starts = [(e.step_id, e.attempt) for e in run.events if isinstance(e, StepStarted)]
    assert len(starts) == len(set(starts))
    for step_spec in scenario.plan_spec.steps:
        numbers = sorted(attempt for step_id, attempt in starts if step_id == step_spec.id)
        assert numbers == list(range(1, len(numbers) + 1))


@OPERATED_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_a_step_starts_only_after_its_dependencies_completed_or_were_skipped_by_an_operator(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = operated(scenario, data)

    early = []
    state = None
    skipped_by_operator: set[str] = set()
    for event in run.events:
        if isinstance(event, StepStarted) and state is not None:
            for dependency in state.steps[event.step_id].spec.depends_on:
                status = state.steps[dependency].status
                if status is not StepStatus.COMPLETED and dependency not in skipped_by_operator:
                    early.append((event.step_id, dependency))
        if isinstance(event, StepSkippedByOperator):
            skipped_by_operator.add(event.step_id)
        state = evolve(state, event)
    assert early == []


@OPERATED_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_every_prefix_of_an_operated_run_folds_to_its_live_state_and_the_rows_agree(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = operated(scenario, data)

    for count in range(1, len(run.events) + 1):
        assert snapshot(fold(run.events[:count])) == run.snapshots[count - 1], count
    assert_summary_agrees_after_every_event(run.events)
