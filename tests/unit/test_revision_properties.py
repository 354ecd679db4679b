"""Random revisions during random runs: no hang, and the fold of the events is the live state."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.errors import InvalidTransitionError, RevisionRefusedError, StepNotFoundError
from core.domain.plan import PlanState, fold
from core.domain.status import StepStatus
from core.domain.trigger_rules import TriggerRule
from tests.unit.builders import Ledger, at, executing_plan, spec, step
from tests.unit.test_revisions import add, remove, revise

REVISION_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
ACTIONS = st.sampled_from(["add", "add", "revise", "remove", "succeed", "fail", "settle"])
REFUSALS = (RevisionRefusedError, StepNotFoundError, InvalidTransitionError)


def indexes(plan: PlanState) -> dict[str, Any]:
    """Everything the scheduler reads, in comparable form."""
    return {
        "spec": plan.spec,
        "status": plan.status,
        "steps": {i: (s.status, s.attempt, s.spec, s.ending) for i, s in plan.steps.items()},
        "dependants": plan.dependants,
        "unmet": plan.unmet,
        "tallies": plan.tallies,
        "ready": list(plan.ready),
        "blocked": plan.blocked,
        "running": list(plan.running),
        "counts": +plan.counts,
    }


def revise_at_random(ledger: Ledger, action: str, data: st.DataObject, made: int) -> None:
    ids = sorted(ledger.plan.steps)
    before = len(ledger.events)
    try:
        if action == "add":
            depends_on = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
            rule = data.draw(st.sampled_from(list(TriggerRule)))
            add(ledger, step(f"n{made}", *depends_on, trigger=rule.value), at(made))
        elif action == "revise":
            target = data.draw(st.sampled_from(ids))
            depends_on = data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=2))
            revise(ledger, target, depends_on=depends_on)
        else:
            remove(ledger, data.draw(st.sampled_from(ids)))
    except REFUSALS:
        assert len(ledger.events) == before


def run_at_random(ledger: Ledger, action: str, data: st.DataObject, moment: int) -> None:
    running = sorted(ledger.plan.running)
    if action in ("succeed", "fail") and running:
        target = data.draw(st.sampled_from(running))
        if action == "succeed":
            ledger.succeed(target, at(moment))
        else:
            ledger.fail(target, at(moment))
    ledger.settle(at(moment))


def run_to_the_end(ledger: Ledger, moment: int) -> None:
    for tick in range(moment, moment + 500):
        ledger.settle(at(tick))
        if ledger.plan.is_terminal:
            return
        running = sorted(ledger.plan.running)
        assert running, f"hangs: nothing runs and nothing is decided ({indexes(ledger.plan)})"
        for step_id in running:
            ledger.succeed(step_id, at(tick))
    raise AssertionError("the plan did not end")


@REVISION_SETTINGS
@given(data=st.data(), keep_going=st.booleans())
def test_random_revisions_during_a_run_never_hang_and_fold_to_the_live_state(
    data: st.DataObject, keep_going: bool
) -> None:
    ledger = executing_plan(
        spec(step("a"), step("b", "a"), step("c"), continue_on_error=keep_going)
    )
    ledger.settle(at(0))

    for moment in range(1, data.draw(st.integers(1, 25), label="actions") + 1):
        if ledger.plan.is_terminal:
            break
        action = data.draw(ACTIONS, label="action")
        if action in ("add", "revise", "remove"):
            revise_at_random(ledger, action, data, moment)
        else:
            run_at_random(ledger, action, data, moment)
        assert indexes(fold(ledger.events)) == indexes(ledger.plan)
    run_to_the_end(ledger, 100)

    assert all(s.status is not StepStatus.PENDING for s in ledger.plan.steps.values())
    assert indexes(fold(ledger.events)) == indexes(ledger.plan)
