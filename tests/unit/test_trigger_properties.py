"""Properties of trigger rules and conditions over random DAGs and outcomes (hypothesis).

Reuses the pure simulator of `test_properties`, with random trigger rules on every step and
random conditions (true, false, or reading a dependency's result, which may be missing).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from core.domain.events import (
    PlanEvent,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepPreparationFailed,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import fold
from core.domain.scheduler import decide
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import Ending, Tally, TriggerRule, Verdict, verdict
from tests.unit.builders import EXPRESSIONS, spec, step
from tests.unit.test_properties import (
    DEPENDENCIES,
    ERROR_MODES,
    OUTCOMES,
    PROPERTY_SETTINGS,
    RETRIES,
    Scenario,
    simulate,
    snapshot,
)

MAX_STEPS = 20
RULES = st.sampled_from(list(TriggerRule))
ROOT_CONDITIONS = st.sampled_from([None, None, "true", "false"])


def condition_on(dependency: str) -> st.SearchStrategy[str | None]:
    return st.sampled_from(
        [
            None,
            None,
            "false",
            f"steps.{dependency}.result.attempt == 1",
            f"steps.{dependency}.status == 'completed'",
            f"steps.{dependency}.result.missing",
        ]
    )


@st.composite
def rule_scenarios(draw: st.DrawFn) -> Scenario:
    options: dict[str, Any] = {
        "max_parallel_steps": draw(st.integers(1, 4)),
        **draw(ERROR_MODES),
    }
    steps = []
    outcomes: dict[tuple[str, int], str] = {}
    for index in range(draw(st.integers(1, MAX_STEPS))):
        dependencies = [f"s{d}" for d in sorted(draw(DEPENDENCIES[index - 1]))] if index else []
        when = draw(condition_on(dependencies[0]) if dependencies else ROOT_CONDITIONS)
        max_retries = draw(RETRIES)
        steps.append(
            step(
                f"s{index}",
                *dependencies,
                max_retries=max_retries,
                trigger=draw(RULES).value,
                **({"when": when} if when is not None else {}),
            )
        )
        for attempt in range(1, max_retries + 2):
            outcomes[(f"s{index}", attempt)] = draw(OUTCOMES)
    return Scenario(spec(*steps, **options), outcomes)


def endings_at_each_start(events: list[PlanEvent]) -> list[tuple[str, Tally, TriggerRule]]:
    """For each first attempt started, how its dependencies had ended just before."""
    first = fold(events[:1])
    ended: dict[str, Ending] = {}
    seen: list[tuple[str, Tally, TriggerRule]] = []
    for event in events:
        match event:
            case StepStarted(step_id=step_id, attempt=1):
                spec_of = first.steps[step_id].spec
                tally = Tally(len(spec_of.depends_on))
                for dependency in spec_of.depends_on:
                    if dependency in ended:
                        tally.count(ended[dependency])
                seen.append((step_id, tally, spec_of.trigger))
            case StepCompleted():
                ended[event.step_id] = Ending.SUCCESS
            case StepFailed() | StepTimedOut() if not event.will_retry:
                ended[event.step_id] = Ending.FAILED
            case StepPreparationFailed() | StepCancelled():
                ended[event.step_id] = Ending.FAILED
            case StepSkipped():
                ended[event.step_id] = Ending.SKIPPED if event.by_condition else Ending.FAILED
    return seen


@PROPERTY_SETTINGS
@given(scenario=rule_scenarios(), data=st.data())
def test_every_run_with_trigger_rules_and_conditions_ends(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data, crashes=1)

    assert run.plan.status in (PlanStatus.COMPLETED, PlanStatus.FAILED, PlanStatus.PARTIAL)
    assert all(state.status.is_terminal for state in run.plan.steps.values())
    assert decide(run.plan, run.now + timedelta(days=1), EXPRESSIONS).decisions == ()
    assert snapshot(fold(run.events)) == run.snapshots[-1]


@PROPERTY_SETTINGS
@given(scenario=rule_scenarios(), data=st.data())
def test_no_step_starts_unless_its_trigger_rule_holds(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    wrongly_started = [
        (step_id, rule.value, tally)
        for step_id, tally, rule in endings_at_each_start(run.events)
        if tally.total and verdict(rule, tally) is not Verdict.RUN
    ]
    assert wrongly_started == []


@PROPERTY_SETTINGS
@given(scenario=rule_scenarios(), data=st.data())
def test_a_step_whose_condition_is_false_never_runs_and_is_skipped_by_condition(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    condition_false = {
        e.step_id
        for e in run.events
        if isinstance(e, StepSkipped) and e.reason == "condition false"
    }
    started = {e.step_id for e in run.events if isinstance(e, StepStarted)}
    assert condition_false.isdisjoint(started)
    assert all(run.plan.steps[s].status is StepStatus.SKIPPED for s in condition_false)
    if not any(run.plan.counts[status] for status in (StepStatus.FAILED, StepStatus.CANCELLED)):
        assert run.plan.status is PlanStatus.COMPLETED


@PROPERTY_SETTINGS
@given(scenario=rule_scenarios(), data=st.data())
def test_folding_any_prefix_of_a_run_with_rules_and_conditions_gives_the_live_state(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data, crashes=1)

    for count in range(1, len(run.events) + 1):
        assert snapshot(fold(run.events[:count])) == run.snapshots[count - 1], count
