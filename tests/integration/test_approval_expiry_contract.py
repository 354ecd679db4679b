"""Approval deadlines on every store: reads never record an expiry, commands record it first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from core.domain.errors import InvalidTransitionError
from core.domain.events import ENGINE_ACTOR, PlanApproved, PlanRejected
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.engine_contract_support import events_of
from tests.integration.store_backends import OnMemory, OnPostgres, OnSqlite

APPROVAL_TIMEOUT = timedelta(minutes=5)


class ManualClock:
    """A clock the test moves by hand, so a deadline passes without waiting for it."""

    def __init__(self) -> None:
        self.moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, by: timedelta) -> None:
        self.moment += by


@pytest.fixture
def clock() -> ManualClock:
    """Replaces the real clock of `make_service` in this module."""
    return ManualClock()


class ApprovalExpiryContract:
    """What every store backend must give approval deadlines."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def plan_id(self, service: PlanService) -> UUID:
        """A plan that waits for an approval due within `APPROVAL_TIMEOUT`."""
        timeout_ms = int(APPROVAL_TIMEOUT / timedelta(milliseconds=1))
        spec = plan_spec(step("deploy"), require_approval=True, approval_timeout_ms=timeout_ms)
        return service.create_plan(spec, by="alice")

    def test_reading_a_plan_past_its_approval_deadline_records_nothing(
        self, service: PlanService, clock: ManualClock, plan_id: UUID
    ) -> None:
        before = service.history(plan_id)
        clock.advance(APPROVAL_TIMEOUT * 2)

        plan = service.get_plan(plan_id)

        assert plan.status is PlanStatus.PENDING_APPROVAL
        assert service.history(plan_id) == before

    def test_an_approval_after_the_deadline_records_the_expiry_and_is_refused(
        self, service: PlanService, clock: ManualClock, plan_id: UUID
    ) -> None:
        clock.advance(APPROVAL_TIMEOUT)

        with pytest.raises(InvalidTransitionError, match="it is rejected"):
            service.approve(plan_id, by="bob")

        history = service.history(plan_id)
        [expired] = events_of(history, PlanRejected)
        assert (expired.expired, expired.by) == (True, ENGINE_ACTOR)
        assert expired.version == history[-1].version
        assert events_of(history, PlanApproved) == []
        assert service.get_plan(plan_id).status is PlanStatus.REJECTED

    def test_an_approval_before_the_deadline_is_recorded_without_an_expiry(
        self, service: PlanService, clock: ManualClock, plan_id: UUID
    ) -> None:
        clock.advance(APPROVAL_TIMEOUT - timedelta(milliseconds=1))

        plan = service.approve(plan_id, by="bob")

        assert plan.status is PlanStatus.APPROVED
        assert events_of(service.history(plan_id), PlanRejected) == []

    def test_execute_records_an_expired_approval_and_runs_nothing(
        self, service: PlanService, clock: ManualClock, plan_id: UUID, bench: ToolBench
    ) -> None:
        clock.advance(APPROVAL_TIMEOUT * 2)

        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.REJECTED
        [expired] = events_of(service.history(plan_id), PlanRejected)
        assert expired.expired is True
        assert bench.calls == []

    def test_recording_what_is_due_twice_records_the_expiry_once(
        self, service: PlanService, clock: ManualClock, plan_id: UUID
    ) -> None:
        before = service.record_due(plan_id)
        clock.advance(APPROVAL_TIMEOUT)

        first = service.record_due(plan_id)
        again = service.record_due(plan_id)

        assert before.status is PlanStatus.PENDING_APPROVAL
        assert (first.status, again.status) == (PlanStatus.REJECTED, PlanStatus.REJECTED)
        assert len(events_of(service.history(plan_id), PlanRejected)) == 1
        assert again.version == first.version


class TestApprovalExpiryOnMemory(OnMemory, ApprovalExpiryContract):
    """On the in-memory store."""


class TestApprovalExpiryOnSqlite(OnSqlite, ApprovalExpiryContract):
    """On a SQLite file."""


@pytest.mark.postgres
class TestApprovalExpiryOnPostgres(OnPostgres, ApprovalExpiryContract):
    """On PostgreSQL, in a fresh schema."""
