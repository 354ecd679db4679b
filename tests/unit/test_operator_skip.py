"""An operator's skip in the pure core: dependants run, trigger rules count it as a success."""

from __future__ import annotations

import pytest

from core.domain.events import (
    PlanReopened,
    StepSkippedByOperator,
)
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import (
    at,
    created_plan,
    spec,
    step,
)
from tests.unit.decided_steps import started
from tests.unit.operator_actions import (
    do_skip,
    failed_chain,
)


def test_a_skipped_failure_lets_its_dependants_run_and_the_plan_complete() -> None:
    ledger = failed_chain()

    events = do_skip(ledger, "a", 100)
    runs = ledger.settle(at(100))
    for ms in (110, 120, 130):
        for step_id in list(ledger.plan.running):
            ledger.succeed(step_id, at(ms))
        runs += ledger.settle(at(ms))

    assert [type(e) for e in events] == [PlanReopened, StepSkippedByOperator]
    assert ledger.status("a") is StepStatus.SKIPPED
    assert ledger.plan.steps["a"].skip_reason == "skipped by olga: known"
    assert sorted(started(runs)) == [("b", 1), ("c", 1), ("d", 1)]
    assert ledger.plan.status is PlanStatus.COMPLETED


@pytest.mark.parametrize(
    ("trigger", "runs"), [("all_success", True), ("none_failed", True), ("one_failed", False)]
)
def test_trigger_rules_count_an_operators_skip_as_a_success(trigger: str, runs: bool) -> None:
    ledger = created_plan(spec(step("a"), step("b", "a", trigger=trigger)))

    do_skip(ledger, "a")

    assert ledger.plan.tallies["b"].succeeded == 1
    assert ("b" in ledger.plan.ready) is runs


def test_a_pending_step_skipped_before_execution_never_runs() -> None:
    ledger = created_plan(spec(step("a"), step("b", "a")))
    do_skip(ledger, "a")

    ledger.start_execution(at(1))
    runs = ledger.settle(at(1))

    assert started(runs) == [("b", 1)]
