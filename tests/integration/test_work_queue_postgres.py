"""The work table's leases on a real PostgreSQL: exclusive claims, expiry, renewal, hand-back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import parse_store_url
from adapters.workers import Claim, StoreNotInitialisedError, WorkQueue, init_store
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import (
    RandomIds,
    SystemClock,
    ToolBench,
    open_store,
    plan_spec,
    step,
    wait_until,
)
from tests.integration.worker_in_thread import queue

pytestmark = pytest.mark.postgres

__all__ = ["queue"]  # a fixture of worker_in_thread, requested by name


@pytest.fixture
def service(postgres_url: str, queue: WorkQueue, bench: ToolBench) -> Iterator[PlanService]:
    store = open_store(postgres_url)
    yield PlanService(
        store,
        bench.registry(),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="w",
    )
    store.close()


def queued_plans(service: PlanService, queue: WorkQueue, count: int) -> list[UUID]:
    plan_ids = []
    for _ in range(count):
        plan_id = queue.add(uuid.uuid4(), None)
        service.create_plan(plan_spec(step("a")), by="t", plan_id=plan_id)
        plan_ids.append(plan_id)
    return plan_ids


def test_a_store_without_db_init_is_refused_by_name(postgres_url: str) -> None:
    queue = WorkQueue(parse_store_url(postgres_url))

    with pytest.raises(StoreNotInitialisedError, match="planledger db init"):
        queue.require_initialised()
    queue.close()


def test_workers_claiming_at_once_never_claim_the_same_plan(
    postgres_url: str, queue: WorkQueue, service: PlanService
) -> None:
    plan_ids = queued_plans(service, queue, 40)
    queues = [WorkQueue(parse_store_url(postgres_url)) for _ in range(4)]

    def claim_all(index: int) -> list[UUID]:
        claimed: list[UUID] = []
        while batch := queues[index].claim(f"w{index}", 3, 30):
            claimed += [claim.plan_id for claim in batch]
        return claimed

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim_all, range(4)))
    for opened in queues:
        opened.close()

    every = [plan_id for result in results for plan_id in result]
    assert sorted(every) == sorted(plan_ids)
    assert len(set(every)) == len(every)


def test_an_expired_lease_is_claimed_naming_its_owner_and_the_owner_learns_it_is_lost(
    queue: WorkQueue, service: PlanService
) -> None:
    [plan_id] = queued_plans(service, queue, 1)
    [first] = queue.claim("w-old", 5, 0.2)
    assert queue.claim("w-new", 5, 30) == []

    claimed: list[Claim] = []
    wait_until(
        lambda: claimed.extend(queue.claim("w-new", 5, 30)) or claimed,
        timeout=5,
        what="the 0.2 s lease to expire by the database's clock",
    )
    [taken] = claimed

    assert first.expired_owner is None
    assert (taken.plan_id, taken.expired_owner) == (plan_id, "w-old")
    assert queue.renew("w-old", [plan_id], 30) == set()
    assert queue.renew("w-new", [plan_id], 30) == {plan_id}


def test_a_plan_handed_back_is_claimable_again_only_after_a_newer_event(
    queue: WorkQueue, service: PlanService
) -> None:
    [plan_id] = queued_plans(service, queue, 1)
    queue.claim("w", 5, 30)
    version = len(service.history(plan_id))

    queue.release("w", plan_id, seen_version=version, due_at=None)
    nothing_new = queue.claim("w", 5, 30)
    service.cancel(plan_id, by="ops", reason="no longer needed")
    after_cancel = queue.claim("w", 5, 30)
    queue.release("w", plan_id, seen_version=version + 2, due_at=None, done=True)

    assert nothing_new == []
    assert [claim.plan_id for claim in after_cancel] == [plan_id]
    assert queue.claim("w", 5, 30) == []
    assert queue.leases() == [(plan_id, None, True)]


def test_a_key_names_one_plan_however_often_it_is_added(queue: WorkQueue) -> None:
    first = queue.add(uuid.uuid4(), "key-1")

    again = queue.add(uuid.uuid4(), "key-1")
    other = queue.add(uuid.uuid4(), "key-2")

    assert again == first
    assert other != first


def test_a_terminated_connection_is_replaced_without_an_error(
    postgres_url: str, postgres_available: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    init_store(parse_store_url(postgres_url))
    name = f"planledger-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PGAPPNAME", name)
    queue = WorkQueue(parse_store_url(postgres_url))
    queue.require_initialised()
    with psycopg.connect(postgres_available, autocommit=True) as admin:
        terminated = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()

    queue.require_initialised()
    queue.close()

    assert terminated == [(True,)]


def test_a_plan_parked_until_a_deadline_is_claimable_once_the_deadline_has_passed(
    queue: WorkQueue, service: PlanService
) -> None:
    later, due = queued_plans(service, queue, 2)
    queue.claim("w", 5, 30)
    version = len(service.history(due))
    now = datetime.now(UTC)

    queue.release("w", later, seen_version=version, due_at=now + timedelta(hours=1))
    queue.release("w", due, seen_version=version, due_at=now - timedelta(seconds=1))
    claimed = queue.claim("w", 5, 30)

    assert [claim.plan_id for claim in claimed] == [due]


def test_a_finished_plan_reopened_is_claimable_again_only_once_a_retry_recorded_events(
    queue: WorkQueue, service: PlanService
) -> None:
    plan_id = queue.add(uuid.uuid4(), None)
    service.create_plan(plan_spec(step("bad", tool="fail")), by="t", plan_id=plan_id)
    queue.claim("w", 5, 30)
    ended = service.execute(plan_id)
    queue.release("w", plan_id, seen_version=ended.version, due_at=None, done=True)

    before_the_retry = queue.claim("w", 5, 30)
    service.retry(plan_id, "bad", by="ops", reason="once more")
    after_the_retry = queue.claim("w", 5, 30)

    assert ended.status is PlanStatus.FAILED
    assert before_the_retry == []
    assert [claim.plan_id for claim in after_the_retry] == [plan_id]
    assert queue.leases() == [(plan_id, "w", False)]


def ended_and_done(queue: WorkQueue, service: PlanService) -> UUID:
    """A queued plan whose only step failed, handed back as done."""
    plan_id = queue.add(uuid.uuid4(), None)
    service.create_plan(plan_spec(step("bad", tool="fail")), by="t", plan_id=plan_id)
    queue.claim("w", 5, 30)
    ended = service.execute(plan_id)
    queue.release("w", plan_id, seen_version=ended.version, due_at=None, done=True)
    return plan_id


def test_a_plan_reopened_before_a_queue_first_looks_is_claimed_by_that_queue(
    postgres_url: str, queue: WorkQueue, service: PlanService
) -> None:
    plan_id = ended_and_done(queue, service)
    service.retry(plan_id, "bad", by="ops", reason="once more")

    newcomer = WorkQueue(parse_store_url(postgres_url))
    claimed = newcomer.claim("w-new", 5, 30)
    newcomer.close()

    assert [claim.plan_id for claim in claimed] == [plan_id]


def test_a_plan_reopened_while_its_worker_hands_it_back_is_not_marked_done(
    queue: WorkQueue, service: PlanService
) -> None:
    plan_id = queue.add(uuid.uuid4(), None)
    service.create_plan(plan_spec(step("bad", tool="fail")), by="t", plan_id=plan_id)
    queue.claim("w", 5, 30)
    ended = service.execute(plan_id)

    service.retry(plan_id, "bad", by="ops", reason="once more")
    while_held = queue.claim("w", 5, 30)  # the worker looks for other work meanwhile
    queue.release("w", plan_id, seen_version=ended.version, due_at=None, done=True)
    claimed = queue.claim("w", 5, 30)

    assert while_held == []
    assert queue.leases() == [(plan_id, "w", False)]
    assert [claim.plan_id for claim in claimed] == [plan_id]
