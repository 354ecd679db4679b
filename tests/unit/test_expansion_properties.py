"""Properties of maps under random outcomes, crashes and cancellations (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.events import StepCompleted, StepFailed, StepsGathered, StepStarted
from core.domain.plan import fold
from core.domain.status import StepStatus
from tests.unit.builders import T0, Ledger, executing_plan, spec, step
from tests.unit.projected_runs import assert_summary_agrees_after_every_event

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def map_runs(draw: st.DrawFn) -> Ledger:
    """A list -> map -> reduce plan driven to its end with drawn outcomes, crashes and a cancel."""
    items = draw(st.integers(0, 7))
    retries = draw(st.integers(0, 2))
    ledger = executing_plan(
        spec(
            step("list"),
            step("map", "list", for_each="{{ steps.list.result }}", max_retries=retries,
                 parameters={"value": "{{ item }}"}),
            step("reduce", "map", trigger=draw(st.sampled_from(["all_success", "all_done"]))),
            max_parallel_steps=draw(st.integers(1, 4)),
            continue_on_error=draw(st.booleans()),
        )
    )  # fmt: skip
    now = T0
    ledger.settle(now)
    ledger.succeed("list", now, list(range(items)))
    cancel_after = draw(st.integers(0, 40))
    for turn in range(200):
        now += timedelta(milliseconds=1)
        ledger.settle(now)
        if ledger.plan.is_terminal:
            break
        if turn == cancel_after:
            ledger.cancel("bob", now)
            break
        running = sorted(ledger.plan.running)
        if not running:
            continue
        chosen = draw(st.sampled_from(running))
        match draw(st.sampled_from(["succeed", "fail", "crash"])):
            case "succeed":
                ledger.succeed(chosen, now, f"r-{chosen}")
            case "fail":
                ledger.fail(chosen, now)
            case "crash":
                ledger.resume("ops", now)
    return ledger


@SETTINGS
@given(ledger=map_runs())
def test_every_map_ends_with_its_items_results_in_order_and_no_item_completed_twice(
    ledger: Ledger,
) -> None:
    plan = ledger.plan

    assert plan.is_terminal
    assert not any(s.status is StepStatus.RUNNING for s in plan.steps.values())
    completions = Counter(e.step_id for e in ledger.events if isinstance(e, StepCompleted))
    assert set(completions.values()) <= {1}
    gathered = [e for e in ledger.events if isinstance(e, StepsGathered)]
    if "map" in plan.expansions:
        [gather] = gathered
        children = plan.expansions["map"].children
        expected = [
            plan.steps[c].result if plan.steps[c].status is StepStatus.COMPLETED else None
            for c in children
        ]
        assert gather.result == expected
        assert (gather.failed_items == 0) == (plan.steps["map"].status is StepStatus.COMPLETED)
    else:
        assert gathered == []
    retries = plan.spec.steps[1].max_retries
    starts = Counter((e.step_id, e.attempt) for e in ledger.events if isinstance(e, StepStarted))
    assert all(count == 1 for count in starts.values())
    failures = Counter(e.step_id for e in ledger.events if isinstance(e, StepFailed))
    assert all(count <= 1 + retries for count in failures.values())


@SETTINGS
@given(ledger=map_runs())
def test_the_summary_rows_agree_with_the_fold_after_every_event_of_a_map(ledger: Ledger) -> None:
    assert_summary_agrees_after_every_event(ledger.events)
    assert fold(ledger.events).status is ledger.plan.status
