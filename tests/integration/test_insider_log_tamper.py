"""An insider who rewrites, truncates or deletes the log, with hashes and heads redone: found."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.read_models import ReadModelDatabase, open_read_side
from adapters.store import LibraryEventStore, parse_store_url
from core.domain.events import StepFailed
from core.domain.hash_chain import seal
from projections import PROJECTIONS
from tests.integration.insider_scene import (
    Audit,
    Deployment,
    InsiderFixtures,
    OnPostgresAsTheApplicationRole,
    OnSqlite,
    key,
    problems,
    rows,
    stored_state,
)
from tests.integration.raw_events import RawEvents


class LogTamperContract(InsiderFixtures):
    """Every log rewrite, on one backend; subclasses give the deployment."""

    def test_a_clean_store_verifies_every_signature_and_checkpoint(
        self,
        plans: list[UUID],
        audit: Audit,
    ) -> None:
        report = audit()

        assert report["findings"] == []
        assert report["signatures"] == {"events": 36, "keys": 1}
        assert report["checkpoints"] == {"checked": 1}

    def test_a_plan_verified_alone_reports_its_own_signed_events(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
    ) -> None:
        report = self.verify(store, read_model, deployment, [plans[1]])

        assert report["findings"] == []
        assert report["signatures"] == {"events": len(store.load_unchecked(plans[1])), "keys": 1}

    def test_a_rewritten_result_with_recomputed_hashes_and_head_is_a_bad_signature(
        self,
        store: LibraryEventStore,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
    ) -> None:
        victim = plans[1]
        events = store.load_unchecked(victim)
        failed = next(event.version for event in events if isinstance(event, StepFailed))
        prev = events[failed - 2].hash
        for event in events[failed - 1 :]:
            changes: dict[str, Any] = {"prev_hash": prev}
            if event.version == failed:
                changes["message"] = "all good"
            forged = seal(event.model_copy(update=changes))
            raw.set_state(victim, event.version, stored_state(store, forged))
            prev = forged.hash
        rows(deployment).execute(
            "UPDATE plan_summary SET head_hash = ? WHERE plan_id = ?",
            [prev, key(deployment, victim)],
        )

        report = audit()

        found = problems(report)
        assert (str(victim), failed, "bad_signature") in found
        assert (str(victim), 12, "changed") in found
        assert {plan for plan, _, _ in found} <= {str(victim), None}

    def test_a_truncated_tail_with_the_head_moved_back_is_missing_at_the_checkpoint(
        self,
        store: LibraryEventStore,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
    ) -> None:
        victim = plans[1]
        eleventh = store.load_unchecked(victim)[10]
        raw.delete(victim, 12)
        rows(deployment).execute(
            "UPDATE plan_summary SET last_version = 11, head_hash = ? WHERE plan_id = ?",
            [eleventh.hash, key(deployment, victim)],
        )

        found = problems(audit())

        assert (str(victim), 12, "missing") in found
        assert (None, None, "checkpoint_digest") in found

    def test_a_deleted_plan_with_its_read_model_rows_is_missing_from_version_1(
        self,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
    ) -> None:
        victim = plans[2]
        for version in range(1, 13):
            raw.delete(victim, version)
        for table in ("plan_summary", "plan_steps", "plan_data", "step_history", "audit_log"):
            rows(deployment).execute(
                f"DELETE FROM {table} WHERE plan_id = ?", [key(deployment, victim)]
            )

        found = problems(audit())

        assert (str(victim), 1, "missing") in found

    def test_a_rebuild_after_a_deletion_erases_no_evidence(
        self,
        store: LibraryEventStore,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
    ) -> None:
        victim = plans[0]
        raw.delete(victim, 12)
        side = open_read_side(parse_store_url(deployment.app_url), store, PROJECTIONS)
        try:
            side.rebuild()
        finally:
            side.close()

        found = problems(audit())

        assert (str(victim), 12, "missing") in found


class TestInsiderOnSqlite(OnSqlite, LogTamperContract):
    pass


class TestInsiderOnPostgresAsTheApplicationRole(OnPostgresAsTheApplicationRole, LogTamperContract):
    pass
