"""Fork from a step: reuse what is upstream and independent, re-run the step and its dependants."""

from __future__ import annotations

from uuid import UUID

import pytest

from core.domain.data_passing import scope
from core.domain.decisions import Outcome, record_outcome
from core.domain.errors import InvalidTransitionError, StepNotFoundError
from core.domain.events import PlanCreated, PlanForked, PlanSubmitted, StepResultReused
from core.domain.forks import does_the_same, fork_plan, reusable_steps
from core.domain.plan import PlanState, fold
from core.domain.plan_view import plan_view
from core.domain.result_refs import BlobRef
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, T0, at, executing_plan, spec, step

FORK_ID = UUID(int=9)
SHAPE = spec(
    step("fetch"),
    step("build", "fetch"),
    step("test", "build"),
    step("docs", "fetch"),
    step("lint"),
    continue_on_error=True,
)


def failed_source() -> PlanState:
    """fetch, docs and lint complete; build fails, so test is skipped."""
    ledger = executing_plan(SHAPE)
    ledger.settle(T0)
    ledger.succeed("fetch", at(1), result={"rev": "abc"})
    ledger.succeed("lint", at(1))
    ledger.settle(at(1))
    ledger.fail("build", at(2))
    ledger.succeed("docs", at(2), result="html")
    ledger.settle(at(2))
    assert ledger.plan.status is PlanStatus.PARTIAL
    return ledger.plan


def fork(source: PlanState, from_step: str, shape: PlanSpec = SHAPE) -> list[object]:
    return list(
        fork_plan(
            source,
            plan_id=FORK_ID,
            from_step=from_step,
            spec=shape,
            inputs={},
            by="ann",
            now=at(10),
            correlation_id=CORRELATION_ID,
        )
    )


def test_a_fork_of_a_failed_plan_reuses_every_completed_step_not_downstream() -> None:
    events = fork(failed_source(), "build")

    assert [type(e) for e in events[:2]] == [PlanCreated, PlanForked]
    assert isinstance(events[-1], PlanSubmitted)
    reused = {e.step_id: e.result for e in events if isinstance(e, StepResultReused)}
    assert reused == {"fetch": {"rev": "abc"}, "docs": "html", "lint": None}
    forked = fold(events)  # type: ignore[arg-type]
    assert forked.status is PlanStatus.APPROVED
    assert forked.forked_from is not None
    assert (forked.forked_from.source_version, forked.forked_from.from_step) == (
        failed_source().version,
        "build",
    )
    assert list(forked.ready) == ["build"]
    assert forked.steps["fetch"].status is StepStatus.COMPLETED
    assert plan_view(forked)["forked_from"] == {
        "plan_id": str(failed_source().plan_id),
        "version": failed_source().version,
        "from_step": "build",
    }


def test_a_reused_result_stored_apart_keeps_its_ref_which_the_forks_templates_read() -> None:
    ledger = executing_plan(SHAPE)
    ledger.settle(T0)
    ref = BlobRef.of(b'"' + b"r" * 5000 + b'"')
    large = Outcome("fetch", 1, 1, result=ref.view(), result_ref=ref)
    ledger.record(record_outcome(ledger.plan, large, now=at(1), correlation_id=CORRELATION_ID))
    ledger.succeed("lint", at(1))
    ledger.settle(at(1))
    ledger.fail("build", at(2))
    ledger.succeed("docs", at(2), result="html")
    ledger.settle(at(2))

    events = fork(ledger.plan, "build")

    reused = {e.step_id: e for e in events if isinstance(e, StepResultReused)}
    assert (reused["fetch"].result, reused["fetch"].result_ref) == (ref.view(), ref)
    assert reused["fetch"].model_dump(mode="json")["result_ref"]["digest"] == ref.digest
    assert not {"result_ref", "output_refs", "item_refs"} & set(
        reused["docs"].model_dump(mode="json")
    )
    forked = fold(events)  # type: ignore[arg-type]
    assert scope(forked, ["fetch", "docs"])["steps"]["fetch"]["result"] == ref
    assert scope(forked, ["docs"])["steps"]["docs"]["result"] == "html"


def test_a_fork_from_a_middle_step_re_runs_it_and_everything_downstream() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a"), step("c", "b"), step("d", "a")))
    for moment in range(1, 5):
        ledger.settle(at(moment))
        for step_id in list(ledger.plan.running):
            ledger.succeed(step_id, at(moment))
    ledger.settle(at(5))
    assert ledger.plan.status is PlanStatus.COMPLETED

    reused = reusable_steps(ledger.plan, ledger.plan.spec, "b")

    assert sorted(reused) == ["a", "d"]


def test_with_a_new_spec_a_step_with_another_tool_or_parameters_runs_and_so_do_its_dependants() -> (
    None
):
    changed = spec(
        step("fetch", parameters={"value": "v2"}),
        step("build", "fetch"),
        step("test", "build"),
        step("docs", "fetch"),
        step("lint", tool="shell"),
        continue_on_error=True,
    )

    reused = reusable_steps(failed_source(), changed, "test")

    assert reused == []


CHILD = {"description": "child", "steps": [step("migrate")], "outputs": {"v": "1"}}
PLAN_STEP: dict[str, object] = {"id": "s", "plan": CHILD, "inputs": {"env": "prod"}}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (step("s", parameters={"v": 1}), step("s", parameters={"v": 2})),
        (step("s"), step("s", tool="shell", parameters={"command": "true"})),
        (step("s"), step("s", when="{{ plan.inputs.go }}")),
        (step("s", "a"), step("s", "a", trigger="all_done")),
        (step("s"), step("s", for_each="{{ [1, 2] }}")),
        (step("s", for_each="{{ [1, 2] }}"), step("s", for_each="{{ [1, 2, 3] }}")),
        (PLAN_STEP, {**PLAN_STEP, "inputs": {"env": "staging"}}),
        (PLAN_STEP, {**PLAN_STEP, "plan": {**CHILD, "outputs": {"v": "2"}}}),
    ],
)
def test_a_step_that_would_do_other_work_is_not_reused(
    before: dict[str, object], after: dict[str, object]
) -> None:
    earlier, changed = (spec(step("a"), s).steps[1] for s in (before, after))

    assert does_the_same(earlier, earlier)
    assert not does_the_same(earlier, changed)


def test_a_step_with_other_retries_time_out_or_description_is_still_reused() -> None:
    earlier = spec(step("s")).steps[0]
    changed = spec(step("s", max_retries=3, timeout_ms=500, description="new words")).steps[0]

    assert does_the_same(earlier, changed)


def test_a_fork_whose_spec_adds_a_condition_runs_that_step_again_and_its_dependants() -> None:
    changed = spec(
        step("fetch", when="{{ true }}"),
        step("build", "fetch"),
        step("test", "build"),
        step("docs", "fetch"),
        step("lint"),
        continue_on_error=True,
    )

    reused = reusable_steps(failed_source(), changed, "test")

    assert reused == ["lint"]


def test_a_plan_that_has_not_ended_cannot_be_forked() -> None:
    ledger = executing_plan(SHAPE)

    with pytest.raises(InvalidTransitionError) as refused:
        fork(ledger.plan, "build")

    assert (refused.value.status, refused.value.action) == ("executing", "fork")


def test_a_fork_from_an_unknown_step_is_refused() -> None:
    with pytest.raises(StepNotFoundError) as refused:
        fork(failed_source(), "deploy")

    assert refused.value.step_id == "deploy"
