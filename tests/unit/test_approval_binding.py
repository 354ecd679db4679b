"""Approvals bind to the spec they approved: voided by revisions, refused to the wrong people."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from adapters.json_schema_checker import JsonSchemaChecker
from core.domain.approval_binding import check_trusted, plan_digest, quarantine, spec_digest
from core.domain.errors import (
    ApproverRequiredError,
    InvalidTransitionError,
    SeparationOfDutiesError,
    UntrustedHistoryError,
)
from core.domain.event_stamper import EventStamper
from core.domain.events import (
    ApprovalVoided,
    PlanApproved,
    PlanEvent,
    StepAdded,
    StepRevised,
    StepStarted,
)
from core.domain.hash_chain import seal
from core.domain.operator_decisions import retry_step, skip_step
from core.domain.plan import evolve, fold
from core.domain.plan_view import plan_view
from core.domain.revisions import add_step, revise_step
from core.domain.scheduler import StartStep
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus
from core.domain.validation import validate_spec
from projections.rows import AuditRow
from tests.unit.builders import (
    CORRELATION_ID,
    EXPRESSIONS,
    T0,
    Ledger,
    at,
    created_plan,
    spec,
    step,
)
from tests.unit.view_state import projected, projected_plan_view


class EchoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = ""


def validate(data: object) -> PlanSpec:
    return validate_spec(data, {"echo": EchoParams}, EXPRESSIONS, JsonSchemaChecker())


def guarded(**options: Any) -> PlanSpec:
    return spec(
        step("scan", parameters={"value": "scan"}),
        step("deploy", "scan", parameters={"value": "harmless"}),
        **{"require_approval": True, "approvers": ["alice", "bob"], **options},
    )


def revise(ledger: Ledger, by: str = "mallory", **changes: Any) -> list[PlanEvent]:
    return ledger.record(
        revise_step(
            ledger.plan,
            "deploy",
            {"parameters": {"value": "PWNED"}, **changes},
            validate=validate,
            by=by,
            reason="tweak",
            now=at(10),
            correlation_id=CORRELATION_ID,
        )
    )


def starts(ledger: Ledger) -> list[str]:
    return [d.step_id for d in ledger.decide(at(20)).decisions if isinstance(d, StartStep)]


def test_an_approval_records_the_digest_of_the_spec_and_inputs_it_approved() -> None:
    ledger = created_plan(guarded())

    (approved,) = ledger.approve("alice")

    assert isinstance(approved, PlanApproved)
    assert approved.spec_digest == spec_digest(guarded(), {})
    assert approved.spec_digest == plan_digest(ledger.plan)
    assert ledger.plan.approval_gap is None


def test_the_digest_changes_with_the_spec_and_with_the_inputs() -> None:
    base = spec_digest(guarded(), {})

    assert spec_digest(guarded(), {"env": "prod"}) != base
    assert spec_digest(guarded(max_parallel_steps=2), {}) != base
    assert spec_digest(guarded(), {}) == base


def test_revising_an_approved_plan_voids_its_approval_in_the_same_append() -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")

    events = revise(ledger)

    assert [type(event) for event in events] == [StepRevised, ApprovalVoided]
    voided = events[1]
    assert isinstance(voided, ApprovalVoided)
    assert (voided.by_revision_version, voided.by) == (events[0].version, "mallory")
    assert ledger.plan.status is PlanStatus.PENDING_APPROVAL
    assert ledger.plan.approved_by is None


def test_an_executing_plan_revised_starts_nothing_new_until_approved_again() -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")
    ledger.start_execution()
    ledger.settle(T0)
    assert ledger.status("scan").value == "running"

    revise(ledger)
    ledger.succeed("scan", at(15))

    assert ledger.plan.status is PlanStatus.EXECUTING
    assert starts(ledger) == []
    ledger.approve("bob", at(30))
    assert ledger.plan.status is PlanStatus.EXECUTING
    assert starts(ledger) == ["deploy"]


def test_a_plan_revised_while_it_waits_for_approval_has_nothing_to_void() -> None:
    ledger = created_plan(guarded())

    events = revise(ledger)

    assert [type(event) for event in events] == [StepRevised]
    ledger.approve("alice")
    assert ledger.plan.approval_gap is None


def test_a_plan_without_required_approval_is_revised_without_a_void() -> None:
    ledger = created_plan(spec(step("a"), step("b", "a")))
    ledger.start_execution()

    events = ledger.record(
        add_step(
            ledger.plan,
            {"id": "c", "tool": "echo"},
            validate=validate,
            by="ann",
            reason="more",
            now=at(1),
            correlation_id=CORRELATION_ID,
        )
    )

    assert [type(event) for event in events] == [StepAdded]


def test_a_revision_without_its_void_leaves_an_approval_gap_the_engine_refuses() -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")
    revised, _ = revise_step(
        ledger.plan,
        "deploy",
        {"parameters": {"value": "PWNED"}},
        validate=validate,
        by="mallory",
        reason="",
        now=at(1),
        correlation_id=CORRELATION_ID,
    )

    evolve(ledger.plan, revised)

    assert ledger.plan.status is PlanStatus.APPROVED
    assert ledger.plan.approval_gap is not None
    with pytest.raises(UntrustedHistoryError, match="revised at version 4"):
        check_trusted(ledger.plan)


def test_a_forged_approval_without_a_digest_on_a_bound_plan_is_refused() -> None:
    ledger = created_plan(guarded())
    stamp = EventStamper.after(ledger.plan, T0, "mallory", CORRELATION_ID)

    ledger.record([stamp(PlanApproved, by="alice")])

    assert ledger.plan.status is PlanStatus.APPROVED
    with pytest.raises(UntrustedHistoryError, match="has no spec digest"):
        check_trusted(ledger.plan)
    ledger.start_execution()
    assert starts(ledger) == []


def test_an_approval_of_another_spec_does_not_cover_this_one() -> None:
    ledger = created_plan(guarded())
    stamp = EventStamper.after(ledger.plan, T0, "mallory", CORRELATION_ID)
    other = spec_digest(guarded(max_parallel_steps=1), {})

    ledger.record([stamp(PlanApproved, by="alice", spec_digest=other)])

    with pytest.raises(UntrustedHistoryError, match="covers spec"):
        check_trusted(ledger.plan)


def test_an_unbound_approval_of_a_legacy_plan_still_covers_it() -> None:
    created, submitted = created_plan(guarded()).events
    legacy = fold([created])
    evolve(legacy, seal(submitted.model_copy(update={"spec_digest": None})))

    evolve(legacy, EventStamper.after(legacy, T0, "alice", CORRELATION_ID)(PlanApproved, by="a"))

    assert legacy.binds_approval is False
    assert legacy.approval_gap is None
    check_trusted(legacy)


@pytest.mark.parametrize(("actor", "role"), [("carol", "created"), ("dave", "revised")])
def test_separation_of_duties_refuses_the_creator_and_the_revisers(actor: str, role: str) -> None:
    ledger = created_plan(guarded(approvers=[], separation_of_duties=True), by="carol")
    revise(ledger, by="dave")
    before = list(ledger.events)

    with pytest.raises(SeparationOfDutiesError, match=role):
        ledger.approve(actor)

    assert ledger.events == before
    ledger.approve("erin")
    assert ledger.plan.status is PlanStatus.APPROVED


@pytest.mark.parametrize("command", [retry_step, skip_step], ids=["retry", "skip"])
def test_only_an_approver_may_retry_or_skip_a_step_of_a_plan_with_approvers(command: Any) -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")
    ledger.start_execution()
    ledger.settle(T0)
    ledger.fail("scan", at(1))
    ledger.settle(at(1))

    with pytest.raises(ApproverRequiredError, match="only they may"):
        command(
            ledger.plan, "scan", by="mallory", reason="", now=at(2), correlation_id=CORRELATION_ID
        )

    events = command(
        ledger.plan, "scan", by="bob", reason="ok", now=at(2), correlation_id=CORRELATION_ID
    )
    assert events


def test_an_approval_of_an_executing_plan_needs_a_void_first() -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")
    ledger.start_execution()

    with pytest.raises(InvalidTransitionError, match="executing"):
        ledger.approve("bob")


def test_the_engine_starts_nothing_in_a_quarantined_plan() -> None:
    ledger = created_plan(spec(step("a")))

    ledger.record(
        quarantine(
            ledger.plan,
            untrusted_version=2,
            reason="unsigned",
            by="w1",
            now=T0,
            correlation_id=CORRELATION_ID,
        )
    )
    ledger.start_execution()

    assert starts(ledger) == []
    with pytest.raises(UntrustedHistoryError, match="quarantined"):
        check_trusted(ledger.plan)
    assert not any(isinstance(event, StepStarted) for event in ledger.events)


def test_the_read_models_mirror_a_void_and_a_re_approval_and_audit_both() -> None:
    ledger = created_plan(guarded())
    ledger.approve("alice")
    ledger.start_execution()
    revise(ledger)
    ledger.approve("bob", at(30))

    view = projected(ledger.events)

    assert projected_plan_view(view, ledger.plan.plan_id) == plan_view(ledger.plan)
    audit = [(row.action, row.actor) for row in view.rows(AuditRow)]
    assert audit == [
        ("created", "alice"),
        ("approved", "alice"),
        ("step_revised", "mallory"),
        ("approval_voided", "mallory"),
        ("approved", "bob"),
    ]
