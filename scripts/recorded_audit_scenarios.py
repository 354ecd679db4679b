"""The audit scenarios `record_history.py` records: a voided approval, a quarantined forgery."""

from __future__ import annotations

from uuid import UUID

from adapters.store import LibraryEventStore
from adapters.system_clock import RandomIds, SystemClock
from core.domain.approval_binding import quarantine
from core.domain.events import PlanApproved
from core.domain.hash_chain import seal
from core.domain.plan import fold
from core.domain.ports import EventStore
from core.runtime.service import PlanService


def _echo(step_id: str, value: object, *depends_on: str) -> dict[str, object]:
    return {
        "id": step_id,
        "tool": "echo",
        "parameters": {"value": value},
        "depends_on": list(depends_on),
    }


def approval_voided_by_revision(service: PlanService, store: EventStore) -> UUID:
    """Approved, revised (the approval voided), approved again by another approver, executed."""
    spec = {
        "description": "a revision voids the approval; separation of duties",
        "options": {
            "require_approval": True,
            "approvers": ["alice", "bob"],
            "separation_of_duties": True,
        },
        "steps": [_echo("build", "b"), _echo("deploy", "harmless", "build")],
    }
    plan_id = service.create_plan(spec, by="carol")
    service.approve(plan_id, by="alice", comment="looks fine")
    service.revise_step(plan_id, "deploy", {"parameters": {"value": "v2"}}, by="dave", reason="v2")
    service.approve(plan_id, by="bob", comment="v2 reviewed")
    service.execute(plan_id)
    return plan_id


def quarantined_after_a_forgery(service: PlanService, store: EventStore) -> UUID:
    """An unsigned approval appended around the engine; a writer refused it and quarantined."""
    spec = {
        "description": "a forged approval, quarantined",
        "options": {"require_approval": True, "approvers": ["alice"]},
        "steps": [_echo("deploy", "d")],
    }
    plan_id = service.create_plan(spec, by="carol")
    plan = fold(store.load(plan_id))
    forged = seal(
        PlanApproved(
            originator_id=plan_id,
            originator_version=plan.version + 1,
            timestamp=SystemClock().now(),
            actor="alice",
            correlation_id=RandomIds().new_id(),
            prev_hash=plan.head_hash,
            by="alice",
        )
    )
    assert isinstance(store, LibraryEventStore)
    store.application.recorder.insert_events([store.application.mapper.to_stored_event(forged)])
    plan = fold(store.load(plan_id))
    reason = "unsigned PlanApproved: the event carries no signature"
    store.append(
        quarantine(
            plan,
            untrusted_version=forged.version,
            reason=reason,
            by="worker-7",
            now=SystemClock().now(),
            correlation_id=RandomIds().new_id(),
        )
    )
    return plan_id
