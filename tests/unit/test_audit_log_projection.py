"""audit_log: who approved, rejected, cancelled or resumed a plan, and when; nothing else."""

from __future__ import annotations

from core.domain.events import (
    PlanCompleted,
)
from projections import (
    AuditLogProjection,
    AuditRow,
)
from tests.unit.builders import (
    PLAN_ID,
    T0,
    at,
    created_plan,
    executing_plan,
    spec,
    step,
)
from tests.unit.projected_runs import (
    audit_rows,
)
from tests.unit.view_state import projected


def test_an_approval_is_audited_with_its_approver_comment_version_and_hash() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True), by="alice")

    approved = ledger.approve("carol", at(10))
    view = projected(ledger.events, [AuditLogProjection()])

    created = ledger.events[0]
    assert audit_rows(view) == [
        AuditRow(PLAN_ID, 1, "created", "alice", T0, None, "PlanCreated", created.hash),
        AuditRow(PLAN_ID, 3, "approved", "carol", at(10), "ok", "PlanApproved", approved[0].hash),
    ]


def test_an_automatic_approval_is_audited_as_the_engines() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, auto_approve=True))

    view = projected(ledger.events, [AuditLogProjection()])

    last = audit_rows(view)[-1]
    assert (last.action, last.actor, last.reason, last.version) == (
        "approved",
        "engine",
        "auto_approve",
        3,
    )


def test_a_rejection_is_audited_with_its_reason() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True))

    rejected = ledger.reject("carol", at(4))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[-1] == AuditRow(
        PLAN_ID, 3, "rejected", "carol", at(4), "no", "PlanRejected", rejected[0].hash
    )


def test_an_expired_approval_is_audited_as_the_engines_policy_action() -> None:
    ledger = created_plan(spec(step("a"), require_approval=True, approval_timeout_ms=100))

    expired = ledger.settle(at(100))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[-1] == AuditRow(
        PLAN_ID,
        3,
        "approval_expired",
        "engine",
        at(100),
        "approval expired",
        "PlanRejected",
        expired[0].hash,
    )


def test_a_cancellation_and_a_resume_are_audited_with_who_did_them() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    resumed = ledger.resume("ops", at(5))

    cancelled = ledger.cancel("bob", at(7))
    view = projected(ledger.events, [AuditLogProjection()])

    assert audit_rows(view)[1:] == [
        AuditRow(
            PLAN_ID,
            resumed[0].version,
            "resumed",
            "ops",
            at(5),
            None,
            "PlanResumed",
            resumed[0].hash,
        ),
        AuditRow(
            PLAN_ID,
            cancelled[-1].version,
            "cancelled",
            "bob",
            at(7),
            "enough",
            "PlanCancelled",
            cancelled[-1].hash,
        ),
    ]


def test_a_run_without_people_in_it_audits_only_the_creation() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1))
    ledger.settle(at(1))
    ledger.succeed("b", at(2))

    finished = ledger.settle(at(2))
    view = projected(ledger.events, [AuditLogProjection()])

    assert isinstance(finished[-1], PlanCompleted)
    assert [row.action for row in audit_rows(view)] == ["created"]
