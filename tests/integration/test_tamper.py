"""Tampering with real databases is found: the plan, the version and how, for each kind of change.

Plans run through the real engine; then raw SQL changes, removes, inserts or swaps stored rows,
and verification of the store must name exactly the tampered plan. The heads of the read model
come from the real projector, caught up before the tampering and not after (as in the CLI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

import adapters.audit
from adapters.audit import load_heads, stored_plan_ids, verify_store
from adapters.read_models import ReadModelDatabase, open_read_side
from adapters.store import LibraryEventStore, parse_store_url
from core.domain.chain_verification import ExpectedHead
from core.domain.events import PlanApproved, PlanEvent
from core.domain.hash_chain import seal
from core.domain.plan import PlanState
from core.runtime.service import PlanService
from projections import PROJECTIONS
from tests.integration.conftest import plan_spec, step
from tests.integration.raw_events import RawEvents, raw_events_for
from tests.integration.store_backends import OnPostgres

Heads = Callable[[], dict[UUID, ExpectedHead]]

V = 6
"""The version tampered with: the first attempt of step `b`, in the middle of 12 events."""


def retrying_spec(name: str) -> dict[str, object]:
    """a -> b (fails once, then succeeds on its retry) -> c: 12 events."""
    return plan_spec(
        step("a", parameters={"value": name}),
        step("b", "fail", depends_on=["a"], parameters={"times": 1}, max_retries=1),
        step("c", depends_on=["b"]),
    )


def finding(plan_id: UUID, version: int, problem: str) -> dict[str, object]:
    return {"plan_id": str(plan_id), "version": version, "problem": problem}


def forged_approval(store: LibraryEventStore, after: PlanEvent, version: int) -> StoredEvent:
    """A well-formed approval by mallory, chained to `after`, as the store would hold it."""
    forged = seal(
        PlanApproved(
            originator_id=after.plan_id,
            originator_version=version,
            timestamp=after.timestamp,
            actor="mallory",
            correlation_id=after.correlation_id,
            prev_hash=after.hash,
            by="mallory",
        )
    )
    return store.application.mapper.to_stored_event(forged)


class TamperContract:
    """Every kind of tampering, against one backend; subclasses name the store."""

    @pytest.fixture
    def raw(self, store_url: str) -> Iterator[RawEvents]:
        tamperer = raw_events_for(store_url)
        yield tamperer
        tamperer.close()

    @pytest.fixture
    def plans(self, service: PlanService) -> list[PlanState]:
        """Three completed plans; the second is the one each test tampers with."""
        plans = [service.run(retrying_spec(name), by="alice") for name in ("x", "y", "z")]
        assert [plan.version for plan in plans] == [12, 12, 12]
        return plans

    @pytest.fixture
    def read_model(
        self, store: LibraryEventStore, store_url: str, plans: list[PlanState]
    ) -> Iterator[ReadModelDatabase]:
        """The read models, caught up with the three runs before any tampering."""
        side = open_read_side(parse_store_url(store_url), store, PROJECTIONS)
        side.catch_up()
        yield side.database
        side.close()

    @pytest.fixture
    def heads(self, read_model: ReadModelDatabase) -> Callable[[], dict[UUID, ExpectedHead]]:
        """Reads the heads plan_summary holds now (no catch-up: as `audit verify` does)."""
        return lambda: load_heads(read_model)

    @pytest.fixture
    def victim(self, plans: list[PlanState]) -> UUID:
        return plans[1].plan_id

    def verify(self, store: LibraryEventStore, heads: Heads) -> dict[str, object]:
        return verify_store(store, None, heads()).to_json()

    def test_a_clean_store_verifies_with_no_findings(
        self, store: LibraryEventStore, heads: Heads
    ) -> None:
        assert self.verify(store, heads) == {"plans_checked": 3, "findings": []}

    def test_every_stored_plan_is_listed(
        self, store: LibraryEventStore, plans: list[PlanState]
    ) -> None:
        assert stored_plan_ids(store) == sorted(plan.plan_id for plan in plans)

    def test_a_changed_field_is_changed_at_its_version(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.change_field(victim, V, "worker", "mallory")

        report = self.verify(store, heads)

        assert report == {"plans_checked": 3, "findings": [finding(victim, V, "changed")]}

    def test_a_row_that_no_longer_decodes_is_changed(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.set_state(victim, V, b'{"step_id": "b", "attempt": ')

        report = self.verify(store, heads)

        assert report["findings"] == [finding(victim, V, "changed")]

    def test_a_deleted_middle_event_is_missing(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.delete(victim, V)

        assert self.verify(store, heads)["findings"] == [finding(victim, V, "missing")]

    def test_a_deleted_event_with_later_versions_renumbered_is_missing(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.delete(victim, V)
        raw.shift(victim, V + 1, -1)

        assert self.verify(store, heads)["findings"] == [finding(victim, V, "missing")]

    def test_a_deleted_last_event_is_missing_against_the_recorded_head(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.delete(victim, 12)

        assert self.verify(store, heads)["findings"] == [finding(victim, 12, "missing")]

    def test_a_forged_event_inserted_with_later_versions_shifted_up_is_inserted(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        before = store.load(victim)[V - 2]
        stored = forged_approval(store, before, V)

        raw.shift(victim, V, 1)
        raw.insert(victim, V, stored.topic, stored.state)

        assert self.verify(store, heads)["findings"] == [finding(victim, V, "inserted")]

    def test_a_forged_event_appended_after_the_head_is_inserted(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        last = store.load(victim)[-1]
        stored = forged_approval(store, last, 13)

        raw.insert(victim, 13, stored.topic, stored.state)

        assert self.verify(store, heads)["findings"] == [finding(victim, 13, "inserted")]

    def test_two_swapped_events_are_reordered(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        raw.swap(victim, V, V + 2)

        assert self.verify(store, heads)["findings"] == [finding(victim, V, "reordered")]

    def test_one_plan_can_be_verified_alone(
        self, store: LibraryEventStore, raw: RawEvents, victim: UUID, plans: list[PlanState]
    ) -> None:
        raw.delete(victim, V)

        alone = verify_store(store, [plans[0].plan_id]).to_json()
        broken = verify_store(store, [victim]).to_json()

        assert alone == {"plans_checked": 1, "findings": []}
        assert broken == {"plans_checked": 1, "findings": [finding(victim, V, "missing")]}

    def test_a_plan_whose_every_event_was_deleted_is_missing_from_version_1(
        self,
        store: LibraryEventStore,
        raw: RawEvents,
        heads: Heads,
        victim: UUID,
    ) -> None:
        for version in range(1, 13):
            raw.delete(victim, version)

        report = self.verify(store, heads)

        assert report == {"plans_checked": 3, "findings": [finding(victim, 1, "missing")]}

    def test_the_read_models_heads_are_the_heads_the_engine_folded(
        self, heads: Heads, plans: list[PlanState]
    ) -> None:
        assert heads() == {
            plan.plan_id: ExpectedHead(plan.version, plan.head_hash or "") for plan in plans
        }


class TestTamperOnSqlite(TamperContract):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'tamper.db'}"


@pytest.mark.postgres
class TestTamperOnPostgres(OnPostgres, TamperContract):
    """On PostgreSQL, in a fresh schema."""


def test_the_audit_package_exports_its_public_surface() -> None:
    assert sorted(adapters.audit.__all__) == [
        "AuditReport",
        "chain_rows",
        "load_heads",
        "stored_plan_ids",
        "verify_store",
    ]


class TestVerifyInMemory:
    """The in-memory store cannot be reached with SQL; its plans are listed from the log."""

    @pytest.fixture
    def store_url(self) -> str:
        return "memory://"

    def test_every_plan_is_listed_and_verifies(
        self, store: LibraryEventStore, service: PlanService
    ) -> None:
        plans = [service.run(retrying_spec(name), by="alice") for name in ("x", "y")]

        assert stored_plan_ids(store) == sorted(plan.plan_id for plan in plans)
        assert verify_store(store).to_json() == {"plans_checked": 2, "findings": []}
