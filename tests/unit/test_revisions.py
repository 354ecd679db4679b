"""Live revision: add, revise and remove steps; refusals raise before any event exists."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.errors import (
    CorruptHistoryError,
    InvalidTransitionError,
    RevisionRefusedError,
    StepNotFoundError,
)
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanEvent, StepAdded, StepRemoved, StepRevised, StepStarted
from core.domain.plan import fold
from core.domain.revisions import add_step, remove_step, revise_step
from core.domain.scheduler import SkipStep, StartStep
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus, StepStatus
from core.domain.validation import validate_spec
from tests.unit.builders import (
    CORRELATION_ID,
    EXPRESSIONS,
    T0,
    Ledger,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)


class EchoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = ""


def validate(data: object) -> PlanSpec:
    return validate_spec(data, {"echo": EchoParams}, EXPRESSIONS, JsonSchemaChecker())


def add(ledger: Ledger, raw: dict[str, Any], now: Any = T0) -> list[PlanEvent]:
    return ledger.record(
        add_step(
            ledger.plan,
            raw,
            validate=validate,
            by="ann",
            reason="needed",
            now=now,
            correlation_id=CORRELATION_ID,
        )
    )


def revise(ledger: Ledger, step_id: str, **changes: Any) -> list[PlanEvent]:
    return ledger.record(
        revise_step(
            ledger.plan,
            step_id,
            changes,
            validate=validate,
            by="ann",
            reason="better",
            now=T0,
            correlation_id=CORRELATION_ID,
        )
    )


def remove(ledger: Ledger, step_id: str) -> list[PlanEvent]:
    return ledger.record(
        remove_step(
            ledger.plan,
            step_id,
            validate=validate,
            by="ann",
            reason="not needed",
            now=T0,
            correlation_id=CORRELATION_ID,
        )
    )


def starts(ledger: Ledger, now: Any = T0) -> list[str]:
    return [d.step_id for d in ledger.decide(now).decisions if isinstance(d, StartStep)]


def test_a_step_added_to_a_waiting_plan_is_part_of_its_spec_and_ready_when_it_runs() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    events = add(ledger, step("b", "a", parameters={"value": "x"}))

    assert [type(e) for e in events] == [StepAdded]
    added = events[0]
    assert isinstance(added, StepAdded)
    assert (added.by, added.reason, added.actor, added.step.id) == ("ann", "needed", "ann", "b")
    assert [s.id for s in ledger.plan.spec.steps] == ["a", "b"]
    assert ledger.plan.dependants["a"] == ["b"]
    assert ledger.plan.counts[StepStatus.PENDING] == 2
    ledger.approve("carol")
    ledger.start_execution()
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    assert starts(ledger, at(1)) == ["b"]


def test_a_step_added_after_finished_steps_counts_their_outcomes_at_once() -> None:
    ledger = executing_plan(spec(step("ok"), step("bad"), continue_on_error=True))
    ledger.settle(T0)
    ledger.succeed("ok", at(1))
    ledger.fail("bad", at(1))

    add(ledger, step("after-ok", "ok"), at(2))
    add(ledger, step("after-both", "ok", "bad"), at(2))
    add(ledger, step("cleanup", "ok", "bad", trigger="all_done"), at(2))

    assert ledger.plan.tallies["after-both"].failed == 1
    assert ledger.plan.unmet["cleanup"] == 0
    decisions = ledger.decide(at(2)).decisions
    assert {d.step_id for d in decisions if isinstance(d, StartStep)} == {"after-ok", "cleanup"}
    skipped = [d for d in decisions if isinstance(d, SkipStep)]
    assert [(d.step_id, d.reason) for d in skipped] == [("after-both", "dependency 'bad' failed")]


def test_revising_dependencies_moves_the_step_between_its_dependencies_indexes() -> None:
    ledger = executing_plan(spec(step("a"), step("b"), step("c", "a")))
    ledger.settle(T0)

    events = revise(ledger, "c", depends_on=["b"], max_retries=2)

    assert isinstance(events[0], StepRevised)
    assert events[0].fields == ("depends_on", "max_retries")
    assert (ledger.plan.dependants["a"], ledger.plan.dependants["b"]) == ([], ["c"])
    assert ledger.plan.steps["c"].spec.max_retries == 2
    ledger.succeed("a", at(1))
    assert starts(ledger, at(1)) == []
    ledger.succeed("b", at(2))
    assert starts(ledger, at(2)) == ["c"]


def test_a_ready_step_revised_to_wait_for_a_pending_one_is_no_longer_ready() -> None:
    ledger = created_plan(spec(step("a"), step("b")))

    revise(ledger, "b", depends_on=["a"])

    assert "b" not in ledger.plan.ready
    assert ledger.plan.unmet["b"] == 1


def test_removing_a_step_takes_it_out_of_the_spec_and_the_counts() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a"), step("c", "a")))
    ledger.settle(T0)

    events = remove(ledger, "c")
    ledger.succeed("a", at(1))
    ledger.settle(at(1))
    ledger.succeed("b", at(2))
    ledger.settle(at(2))

    assert isinstance(events[0], StepRemoved)
    assert "c" not in ledger.plan.steps
    assert [s.id for s in ledger.plan.spec.steps] == ["a", "b"]
    assert ledger.plan.status is PlanStatus.COMPLETED


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        ({"depends_on": ["c"]}, "steps[a].depends_on", "dependency cycle"),
        ({"depends_on": ["nope"]}, "steps[a].depends_on", "unknown dependency 'nope'"),
        ({"parameters": {"colour": "red"}}, "steps[a].parameters.colour", "unknown parameter"),
        ({"max_retries": -1}, "steps[a].max_retries", "greater than or equal to 0"),
    ],
)
def test_a_revision_that_breaks_the_spec_is_refused_naming_step_and_field(
    change: dict[str, Any], location: str, message: str
) -> None:
    ledger = created_plan(spec(step("a"), step("b", "a"), step("c", "b")))
    before = list(ledger.events)

    with pytest.raises(RevisionRefusedError) as refused:
        revise(ledger, "a", **change)

    problems = {(p.location, p.message.split(" (")[0]) for p in refused.value.problems}
    assert any(loc == location and message in text for loc, text in problems), problems
    assert "revise step 'a'" in str(refused.value)
    assert ledger.events == before


def test_a_reference_to_a_step_that_is_not_an_ancestor_is_refused() -> None:
    ledger = created_plan(spec(step("a"), step("b")))

    with pytest.raises(RevisionRefusedError) as refused:
        add(ledger, step("c", "a", parameters={"value": "{{ steps.b.result }}"}))

    assert refused.value.problems[0].location == "steps[c].parameters.value"
    assert "not an ancestor" in refused.value.problems[0].message


def test_removing_a_step_others_depend_on_is_refused_as_an_orphaning() -> None:
    ledger = created_plan(spec(step("a"), step("b", "a")))

    with pytest.raises(RevisionRefusedError) as refused:
        remove(ledger, "a")

    assert refused.value.problems[0].location == "steps[b].depends_on"
    assert "orphan" in refused.value.problems[0].message


def test_a_started_step_cannot_be_revised_or_removed() -> None:
    ledger = executing_plan(spec(step("a"), step("b")))
    ledger.settle(T0)
    ledger.succeed("b", at(1))

    for attempt in (lambda: revise(ledger, "a", max_retries=1), lambda: remove(ledger, "b")):
        with pytest.raises(RevisionRefusedError) as refused:
            attempt()
        assert "has started" in refused.value.problems[0].message


def test_an_unknown_step_is_named() -> None:
    ledger = created_plan(spec(step("a")))

    with pytest.raises(StepNotFoundError) as refused:
        remove(ledger, "ghost")

    assert refused.value.step_id == "ghost"


def test_an_added_id_that_exists_and_a_revision_that_changes_nothing_are_refused() -> None:
    ledger = created_plan(spec(step("a")))

    with pytest.raises(RevisionRefusedError) as duplicate:
        add(ledger, step("a"))
    with pytest.raises(RevisionRefusedError) as no_op:
        revise(ledger, "a", max_retries=0)

    assert "already has a step" in duplicate.value.problems[0].message
    assert "changes nothing" in no_op.value.problems[0].message


def test_a_plan_that_has_ended_cannot_be_revised() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    ledger.settle(at(1))

    with pytest.raises(InvalidTransitionError) as refused:
        add(ledger, step("b"))

    assert refused.value.status == "completed"


def test_a_history_that_revises_a_started_step_does_not_fold() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    stamp = EventStamper.after(ledger.plan, at(1), "ann", CORRELATION_ID)
    forged = stamp(StepRevised, step=ledger.plan.spec.steps[0], fields=("x",), by="ann", reason="r")

    with pytest.raises(CorruptHistoryError) as refused:
        fold([*ledger.events, forged])

    assert "has started" in refused.value.reason


def test_folding_revision_events_gives_the_live_state() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    add(ledger, step("c", "a"))
    revise(ledger, "b", depends_on=["c"])
    ledger.succeed("a", at(1))
    ledger.settle(at(1))

    folded = fold(ledger.events)

    assert folded.spec == ledger.plan.spec
    assert folded.running == ledger.plan.running == {"c": None}
    assert folded.unmet == ledger.plan.unmet
    assert isinstance(ledger.events[-1], StepStarted)
