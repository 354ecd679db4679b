"""Map-reduce: a `for_each` step fans out into one child per item and gathers their results."""

from __future__ import annotations

from typing import Any

from core.domain.data_passing import scope
from core.domain.decisions import Outcome, record_outcome
from core.domain.events import (
    PlanEvent,
    StepPreparationFailed,
    StepsExpanded,
    StepsGathered,
    StepSkipped,
    StepStarted,
)
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from core.domain.result_refs import BlobRef
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, T0, Ledger, at, executing_plan, spec, step
from tests.unit.projected_runs import assert_summary_agrees_after_every_event
from tests.unit.test_scheduler_cost import counted


def mapped(*rest: dict[str, Any], for_each: str = "{{ steps.list.result }}", **options: Any) -> Any:
    """list -> map (one child per item of list's result) -> total (reads map's result)."""
    return spec(
        step("list"),
        step(
            "map",
            "list",
            for_each=for_each,
            parameters={"value": "{{ item }}#{{ index }}"},
            **options.pop("map", {}),
        ),
        step("total", "map", parameters={"value": "{{ steps.map.result }}"}),
        *rest,
        **options,
    )


def listed(items: Any, **options: Any) -> Ledger:
    """The plan of `mapped`, with `list` completed with `items` and everything decided."""
    ledger = executing_plan(mapped(**options))
    ledger.settle(T0)
    ledger.succeed("list", at(1), items)
    ledger.settle(at(1))
    return ledger


def of_type(events: list[PlanEvent], kind: type[PlanEvent]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


def test_a_for_each_step_expands_into_one_child_per_item_started_within_the_parallel_limit() -> (
    None
):
    ledger = listed(["a", "b", "c"], max_parallel_steps=2)

    expanded = of_type(ledger.events, StepsExpanded)
    started = of_type(ledger.events, StepStarted)
    assert [(event.step_id, event.items) for event in expanded] == [("map", ["a", "b", "c"])]
    assert [(event.step_id, event.parameters) for event in started[1:]] == [
        ("map[0]", {"value": "a#0"}),
        ("map[1]", {"value": "b#1"}),
    ]
    assert ledger.status("map") is StepStatus.RUNNING
    assert ledger.status("map[2]") is StepStatus.PENDING
    assert set(ledger.plan.running) == {"map[0]", "map[1]"}


def test_the_step_downstream_receives_the_results_in_item_order_whatever_order_they_end() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=3)

    for child, result in (("map[2]", "C"), ("map[0]", "A"), ("map[1]", "B")):
        ledger.succeed(child, at(2), result)
        ledger.settle(at(2))

    gathered = of_type(ledger.events, StepsGathered)
    assert [(event.step_id, event.result, event.failed_items) for event in gathered] == [
        ("map", ["A", "B", "C"], 0)
    ]
    assert ledger.status("map") is StepStatus.COMPLETED
    assert of_type(ledger.events, StepStarted)[-1].parameters == {"value": ["A", "B", "C"]}
    ledger.succeed("total", at(3))
    ledger.settle(at(3))
    assert ledger.plan.status is PlanStatus.COMPLETED


def test_an_items_result_stored_apart_is_gathered_with_its_ref_which_templates_read() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=3)
    ref = BlobRef.of(b'"' + b"B" * 5000 + b'"')
    large = Outcome("map[1]", 1, 1, result=ref.view(), result_ref=ref)

    ledger.succeed("map[0]", at(2), "A")
    ledger.record(record_outcome(ledger.plan, large, now=at(2), correlation_id=CORRELATION_ID))
    ledger.succeed("map[2]", at(2), "C")
    ledger.settle(at(2))

    [gathered] = of_type(ledger.events, StepsGathered)
    assert (gathered.result, gathered.item_refs) == (["A", ref.view(), "C"], {1: ref})
    dumped = gathered.model_dump(mode="json")
    assert dumped["item_refs"] == {"1": ref.model_dump(mode="json")}
    assert StepsGathered.model_validate(dumped) == gathered
    assert scope(ledger.plan, ["map"])["steps"]["map"]["result"] == ["A", ref, "C"]


def test_a_gathering_without_refs_serialises_as_it_always_did() -> None:
    ledger = listed(["a"])

    ledger.succeed("map[0]", at(2), "A")
    ledger.settle(at(2))

    [gathered] = of_type(ledger.events, StepsGathered)
    assert "item_refs" not in gathered.model_dump(mode="json")
    assert scope(ledger.plan, ["map"])["steps"]["map"]["result"] == ["A"]


def test_a_failed_item_is_retried_alone_with_the_steps_retry_policy() -> None:
    ledger = listed(["a", "b"], map={"max_retries": 1, "retry_delay_ms": 10})

    ledger.fail("map[1]", at(2))
    ledger.succeed("map[0]", at(2), "A")
    ledger.settle(at(2))
    ledger.settle(at(12))

    assert ledger.attempt("map[1]") == 2
    assert ledger.attempt("map[0]") == 1
    ledger.succeed("map[1]", at(13), "B")
    ledger.settle(at(13))
    assert ledger.plan.steps["map"].result == ["A", "B"]


def test_an_item_that_fails_for_good_stops_the_plan_skipping_the_items_not_started() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=2)

    ledger.fail("map[0]", at(2))
    ledger.settle(at(2))
    ledger.succeed("map[1]", at(3), "B")
    ledger.settle(at(3))

    assert ledger.status("map[2]") is StepStatus.SKIPPED
    gathered = of_type(ledger.events, StepsGathered)[0]
    assert (gathered.result, gathered.failed_items, gathered.first_failed) == (
        [None, "B", None],
        2,
        "map[0]",
    )
    assert ledger.status("map") is StepStatus.FAILED
    assert ledger.status("total") is StepStatus.SKIPPED
    assert ledger.plan.status is PlanStatus.FAILED


def test_with_continue_on_error_the_other_items_run_and_the_plan_ends_partial() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=1, continue_on_error=True)

    ledger.fail("map[0]", at(2))
    ledger.settle(at(2))
    ledger.succeed("map[1]", at(3), "B")
    ledger.settle(at(3))
    ledger.succeed("map[2]", at(4), "C")
    ledger.settle(at(4))

    error = ledger.plan.steps["map"].error
    assert error is not None
    assert error.message == "1 of 3 items did not complete (first: map[0])"
    assert ledger.plan.steps["map"].result == [None, "B", "C"]
    assert ledger.plan.status is PlanStatus.PARTIAL


def test_a_for_each_that_is_not_a_list_fails_the_step_naming_the_field() -> None:
    ledger = listed({"items": ["a"]})

    failed = of_type(ledger.events, StepPreparationFailed)
    assert [(event.step_id, event.field, event.error_type) for event in failed] == [
        ("map", "for_each", "for_each_error")
    ]
    assert failed[0].message == "evaluates to dict, not a list"
    assert of_type(ledger.events, StepsExpanded) == []
    assert ledger.plan.status is PlanStatus.FAILED


def test_a_for_each_template_that_cannot_be_evaluated_fails_the_step() -> None:
    ledger = listed(["a"], for_each="{{ steps.list.result.nope }}")

    failed = of_type(ledger.events, StepPreparationFailed)
    assert [(event.field, event.error_type) for event in failed] == [("for_each", "for_each_error")]
    assert "nope" in failed[0].message


def test_more_items_than_the_limit_fail_the_step_with_the_limit_named() -> None:
    ledger = listed(list(range(4)), max_for_each_items=3)

    failed = of_type(ledger.events, StepPreparationFailed)
    assert [event.message for event in failed] == [
        "evaluates to 4 items, more than options.max_for_each_items (3)"
    ]


def test_an_empty_list_completes_the_step_with_an_empty_result() -> None:
    ledger = listed([])

    assert ledger.status("map") is StepStatus.COMPLETED
    assert ledger.plan.steps["map"].result == []
    assert of_type(ledger.events, StepStarted)[-1].parameters == {"value": []}


def test_a_false_condition_skips_the_step_without_expanding_it() -> None:
    ledger = listed(["a"], map={"when": "steps.list.result | length > 5"})

    assert ledger.status("map") is StepStatus.SKIPPED
    assert of_type(ledger.events, StepsExpanded) == []
    assert of_type(ledger.events, StepSkipped)[0].reason == "condition false"


def test_a_crash_reruns_only_the_items_that_were_running_and_never_a_finished_one() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=2)
    ledger.succeed("map[0]", at(2), "A")
    ledger.settle(at(2))

    resumed = ledger.resume("ops", at(3))
    ledger.settle(at(3))

    assert [getattr(event, "step_id", None) for event in resumed[1:]] == ["map[1]", "map[2]"]
    assert ledger.attempt("map[0]") == 1
    assert {ledger.attempt("map[1]"), ledger.attempt("map[2]")} == {2}
    assert ledger.status("map[0]") is StepStatus.COMPLETED


def test_cancelling_mid_map_ends_every_item_and_the_mapped_step() -> None:
    ledger = listed(["a", "b", "c"], max_parallel_steps=1)
    ledger.succeed("map[0]", at(2), "A")
    ledger.settle(at(2))

    ledger.cancel("bob", at(3))

    plan = ledger.plan
    assert plan.status is PlanStatus.CANCELLED
    assert [plan.steps[s].status for s in ("map[1]", "map[2]", "map", "total")] == [
        StepStatus.CANCELLED,
        StepStatus.SKIPPED,
        StepStatus.FAILED,
        StepStatus.SKIPPED,
    ]
    assert plan.steps["map"].result == ["A", None, None]
    assert_summary_agrees_after_every_event(ledger.events)


def test_a_plan_past_its_deadline_mid_map_ends_the_mapped_step_too() -> None:
    ledger = listed(["a", "b"], total_timeout_ms=100)

    ledger.settle(at(200))

    assert ledger.plan.status is PlanStatus.FAILED
    assert ledger.status("map") is StepStatus.FAILED
    assert not any(step.status is StepStatus.RUNNING for step in ledger.plan.steps.values())


def test_children_count_as_steps_in_the_view_and_the_summary_rows_agree_with_the_fold() -> None:
    ledger = listed(["a", "b"])
    for child in ("map[0]", "map[1]"):
        ledger.succeed(child, at(2), child)
        ledger.settle(at(2))
    ledger.succeed("total", at(3))
    ledger.settle(at(3))

    view = plan_view(fold(ledger.events))
    assert [s["id"] for s in view["steps"]] == ["list", "map", "total", "map[0]", "map[1]"]
    assert view["summary"]["total_steps"] == 5
    assert view["summary"]["completed"] == 5
    assert_summary_agrees_after_every_event(ledger.events)


def test_a_failed_map_is_summarised_as_the_fold_says() -> None:
    ledger = listed(["a", "b"], continue_on_error=True)
    ledger.fail("map[0]", at(2))
    ledger.succeed("map[1]", at(2), "B")
    ledger.settle(at(2))

    assert ledger.plan.status is PlanStatus.PARTIAL
    assert_summary_agrees_after_every_event(ledger.events)


def test_a_decision_in_a_map_of_5000_items_touches_a_few_steps_not_every_item() -> None:
    ledger = listed(list(range(5000)), max_parallel_steps=8)
    for index in range(100):
        ledger.succeed(f"map[{index}]", at(2), index)
        ledger.settle(at(2))
    steps = counted(ledger)

    ledger.succeed("map[100]", at(3), 100)
    schedule = ledger.decide(at(3))

    assert [getattr(d, "step_id", None) for d in schedule.decisions] == ["map[108]"]
    assert steps.touched <= 4 * 8


def test_each_item_has_its_own_timeout_and_retry() -> None:
    ledger = listed(["a", "b"], map={"timeout_ms": 50, "max_retries": 1})
    ledger.succeed("map[0]", at(10), "A")
    ledger.settle(at(10))

    timed_out = ledger.settle(at(60))

    assert [(e.step_id, type(e).__name__) for e in timed_out[:2]] == [
        ("map[1]", "StepTimedOut"),
        ("map[1]", "StepStarted"),
    ]
    assert ledger.attempt("map[1]") == 2
    assert ledger.status("map[0]") is StepStatus.COMPLETED
