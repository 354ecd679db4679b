"""Trigger rules and conditions in the scheduler: which dependants run, which are skipped."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from core.domain.events import PlanEvent, StepSkipped, StepStarted
from core.domain.status import PlanStatus, StepStatus
from core.domain.trigger_rules import Tally, TriggerRule, Verdict, verdict
from tests.unit.builders import T0, Ledger, at, executing_plan, spec, step


def started(events: Sequence[PlanEvent]) -> list[str]:
    return [event.step_id for event in events if isinstance(event, StepStarted)]


def skips(events: Sequence[PlanEvent]) -> dict[str, tuple[str, bool]]:
    return {
        event.step_id: (event.reason, event.by_condition)
        for event in events
        if isinstance(event, StepSkipped)
    }


@pytest.mark.parametrize(
    ("rule", "tally", "expected"),
    [
        (TriggerRule.ALL_SUCCESS, Tally(2, succeeded=1), Verdict.WAIT),
        (TriggerRule.ALL_SUCCESS, Tally(2, succeeded=2), Verdict.RUN),
        (TriggerRule.ALL_SUCCESS, Tally(2, failed=1), Verdict.SKIP_AS_FAILED),
        (TriggerRule.ALL_SUCCESS, Tally(2, skipped=1), Verdict.SKIP_AS_SKIPPED),
        (TriggerRule.ALL_DONE, Tally(2, failed=1), Verdict.WAIT),
        (TriggerRule.ALL_DONE, Tally(2, failed=1, skipped=1), Verdict.RUN),
        (TriggerRule.ONE_SUCCESS, Tally(3, succeeded=1), Verdict.RUN),
        (TriggerRule.ONE_SUCCESS, Tally(2, failed=1), Verdict.WAIT),
        (TriggerRule.ONE_SUCCESS, Tally(2, failed=1, skipped=1), Verdict.SKIP_AS_FAILED),
        (TriggerRule.ONE_SUCCESS, Tally(2, skipped=2), Verdict.SKIP_AS_SKIPPED),
        (TriggerRule.ONE_FAILED, Tally(3, failed=1), Verdict.RUN),
        (TriggerRule.ONE_FAILED, Tally(2, succeeded=1), Verdict.WAIT),
        (TriggerRule.ONE_FAILED, Tally(2, succeeded=1, skipped=1), Verdict.SKIP_AS_SKIPPED),
        (TriggerRule.NONE_FAILED, Tally(2, succeeded=1, skipped=1), Verdict.RUN),
        (TriggerRule.NONE_FAILED, Tally(2, skipped=2), Verdict.RUN),
        (TriggerRule.NONE_FAILED, Tally(2, skipped=1), Verdict.WAIT),
        (TriggerRule.NONE_FAILED, Tally(3, failed=1), Verdict.SKIP_AS_FAILED),
    ],
)
def test_each_rule_runs_waits_or_skips_as_its_table_says(
    rule: TriggerRule, tally: Tally, expected: Verdict
) -> None:
    assert verdict(rule, tally) is expected


def continuing(*steps: dict[str, object]) -> Ledger:
    ledger = executing_plan(spec(*steps, continue_on_error=True))
    ledger.settle(T0)
    return ledger


def test_a_false_condition_skips_its_branch_and_the_plan_still_completes() -> None:
    ledger = executing_plan(
        spec(
            step("test"),
            step("deploy", "test", when="steps.test.result.exit_code == 0"),
            step("notify", "deploy"),
            step("report", "test"),
        )
    )
    ledger.settle(T0)

    ledger.succeed("test", at(1), result={"exit_code": 3})
    events = ledger.settle(at(1))
    ledger.succeed("report", at(2))
    ledger.settle(at(2))

    assert skips(events) == {
        "deploy": ("condition false", True),
        "notify": ("dependency 'deploy' skipped", True),
    }
    assert started(events) == ["report"]
    assert ledger.plan.status is PlanStatus.COMPLETED


def test_a_true_condition_lets_the_step_run() -> None:
    ledger = executing_plan(
        spec(step("a"), step("b", "a", when="steps.a.result.ok and plan.inputs == {}"))
    )
    ledger.settle(T0)

    ledger.succeed("a", at(1), result={"ok": True})
    events = ledger.settle(at(1))

    assert started(events) == ["b"]


def test_none_failed_and_all_done_run_after_a_condition_skip() -> None:
    ledger = executing_plan(
        spec(
            step("a"),
            step("b", "a", when="false"),
            step("none_failed", "a", "b", trigger="none_failed"),
            step("all_done", "b", trigger="all_done"),
            step("all_success", "b"),
        )
    )
    ledger.settle(T0)

    ledger.succeed("a", at(1))
    events = ledger.settle(at(1))

    assert sorted(started(events)) == ["all_done", "none_failed"]
    assert skips(events)["all_success"] == ("dependency 'b' skipped", True)


def test_one_success_runs_at_the_first_success_while_others_still_run() -> None:
    ledger = continuing(step("a"), step("b"), step("first", "a", "b", trigger="one_success"))

    ledger.succeed("b", at(1))
    events = ledger.settle(at(1))

    assert started(events) == ["first"]
    assert ledger.status("a") is StepStatus.RUNNING


def test_one_success_is_skipped_as_failed_when_every_dependency_failed() -> None:
    ledger = continuing(
        step("a"), step("b"), step("first", "a", "b", trigger="one_success"), step("after", "first")
    )

    ledger.fail("a", at(1))
    ledger.settle(at(1))
    ledger.fail("b", at(2))
    events = ledger.settle(at(2))

    assert skips(events)["first"][1] is False
    assert "trigger rule one_success not met" in skips(events)["first"][0]
    assert skips(events)["after"] == ("dependency 'first' skipped", False)
    assert ledger.plan.status is PlanStatus.FAILED


def test_one_failed_runs_a_cleanup_when_a_dependency_fails() -> None:
    ledger = continuing(step("a"), step("b"), step("cleanup", "a", "b", trigger="one_failed"))

    ledger.fail("a", at(1))
    events = ledger.settle(at(1))

    assert started(events) == ["cleanup"]


def test_one_failed_is_skipped_when_nothing_failed() -> None:
    ledger = continuing(step("a"), step("b"), step("cleanup", "a", "b", trigger="one_failed"))

    ledger.succeed("a", at(1))
    ledger.settle(at(1))
    ledger.succeed("b", at(2))
    events = ledger.settle(at(2))

    assert skips(events) == {"cleanup": (skips(events)["cleanup"][0], True)}
    assert ledger.plan.status is PlanStatus.COMPLETED


def test_all_done_runs_after_a_failure_and_none_failed_does_not() -> None:
    ledger = continuing(
        step("a"),
        step("b"),
        step("done", "a", "b", trigger="all_done"),
        step("clean", "a", "b", trigger="none_failed"),
    )

    ledger.fail("a", at(1))
    first = ledger.settle(at(1))
    ledger.succeed("b", at(2))
    second = ledger.settle(at(2))

    assert skips(first)["clean"][1] is False
    assert started(first) == []
    assert started(second) == ["done"]


def test_all_success_keeps_the_old_behaviour_a_failure_skips_the_dependant() -> None:
    ledger = continuing(step("a"), step("b", "a"))

    ledger.fail("a", at(1))
    events = ledger.settle(at(1))

    assert skips(events) == {"b": ("dependency 'a' failed", False)}
    assert ledger.plan.status is PlanStatus.FAILED
