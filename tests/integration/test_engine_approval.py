"""Plans that need approval: nothing runs until approved; rejection; expiry; on every backend."""

from __future__ import annotations

import pytest

from core.domain.events import ENGINE_ACTOR, PlanRejected, StepStarted
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until
from tests.integration.engine_contract_support import events_of
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite


class ApprovalContract:
    """Every backend holds a plan until it is approved and never runs a rejected one."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    def test_a_plan_that_needs_approval_runs_nothing_until_approved(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("deploy"), require_approval=True, approvers=["bob"])
        plan_id = service.create_plan(spec, by="alice")

        waiting = service.execute(plan_id)

        assert waiting.status is PlanStatus.PENDING_APPROVAL
        assert not events_of(service.history(plan_id), StepStarted)
        assert bench.calls == []

        service.approve(plan_id, by="bob", comment="go")
        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.COMPLETED
        assert plan.approved_by == "bob"
        assert bench.call_counts() == {("deploy", 1): 1}

    def test_a_rejected_plan_never_runs(self, service: PlanService, bench: ToolBench) -> None:
        spec = plan_spec(step("deploy"), require_approval=True)
        plan_id = service.create_plan(spec, by="alice")

        service.reject(plan_id, by="bob", reason="not today")
        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.REJECTED
        assert (plan.rejected_by, plan.reason) == ("bob", "not today")
        assert bench.calls == []

    def test_an_approval_nobody_gives_in_time_expires_as_a_rejection(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("deploy"), require_approval=True, approval_timeout_ms=50)
        plan_id = service.create_plan(spec, by="alice")

        def expired() -> bool:
            service.record_due(plan_id)  # queries never write: a command records the expiry
            return service.get_plan(plan_id).status is PlanStatus.REJECTED

        wait_until(expired, what="approval expiry")

        [rejected] = events_of(service.history(plan_id), PlanRejected)
        assert rejected.expired is True
        assert rejected.by == ENGINE_ACTOR
        assert service.execute(plan_id).status is PlanStatus.REJECTED
        assert bench.calls == []


class TestApprovalOnMemory(OnMemory, ApprovalContract):
    """On the in-memory store."""


class TestApprovalOnSqlite(OnSqlite, ApprovalContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestApprovalOnPostgres(OnPostgres, ApprovalContract):
    """On PostgreSQL, in a fresh schema."""
