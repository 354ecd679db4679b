"""An insider who edits read-model rows, forges an approval or plants a hostile topic: found."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from adapters.signing.quarantine import quarantine_plan
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from core.domain.approval_binding import plan_digest
from core.domain.errors import UntrustedHistoryError
from core.domain.events import PlanApproved, PlanQuarantined, StepStarted
from core.domain.hash_chain import seal
from core.domain.plan import fold
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.insider_scene import (
    Audit,
    Deployment,
    InsiderFixtures,
    OnPostgresAsTheApplicationRole,
    OnSqlite,
    catch_up,
    key,
    problems,
    rows,
    stored_row,
)
from tests.integration.raw_events import RawEvents


class ForgeryContract(InsiderFixtures):
    """Every forgery, on one backend; subclasses give the deployment."""

    @pytest.mark.parametrize(
        ("table", "column"), [("plan_summary", "approved_by"), ("audit_log", "actor")]
    )
    def test_an_edited_read_model_row_is_named(
        self,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        table: str,
        column: str,
    ) -> None:
        victim = plans[0]
        rows(deployment).execute(
            f"UPDATE {table} SET {column} = 'ceo' WHERE plan_id = ?", [key(deployment, victim)]
        )

        report = audit()

        assert {f["plan_id"] for f in report["findings"]} == {str(victim)}
        assert {f["problem"] for f in report["findings"]} == {"read_model_differs"}

    def test_a_forged_approval_then_an_ordinary_execute_runs_nothing(
        self,
        store: LibraryEventStore,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
        make_service: Any,
        bench: ToolBench,
    ) -> None:
        pending = make_service(on=store).create_plan(
            plan_spec(step("deploy"), require_approval=True, approvers=["alice"]), by="bob"
        )
        plan = fold(store.load(pending))
        forged = seal(
            PlanApproved(
                originator_id=pending,
                originator_version=plan.version + 1,
                timestamp=plan.created_at,
                actor="alice",
                correlation_id=plan.correlation_id,
                prev_hash=plan.head_hash,
                by="alice",
                spec_digest=plan_digest(plan),
            )
        )
        raw.insert(pending, forged.version, *stored_row(store, forged))
        guarded = open_event_store(
            parse_store_url(deployment.app_url),
            signer=deployment.signer,
            trusted=deployment.trusted,
        )
        try:
            with pytest.raises(UntrustedHistoryError, match="unsigned PlanApproved") as refused:
                make_service(on=guarded).execute(pending)
            assert quarantine_plan(guarded, refused.value, by="w-1")
            history = guarded.load_unchecked(pending)
        finally:
            guarded.close()

        assert bench.calls_of("deploy") == []
        assert not any(isinstance(event, StepStarted) for event in history)
        assert isinstance(history[-1], PlanQuarantined)
        assert history[-1].signature is not None
        catch_up(store, deployment)
        found = problems(audit())
        assert (str(pending), forged.version, "unsigned") in found

    def test_a_hostile_topic_is_a_finding_and_runs_no_code(
        self,
        deployment: Deployment,
        plans: list[UUID],
        audit: Audit,
        raw: RawEvents,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        victim = plans[0]
        raw.insert(victim, 13, "this:s", b"{}")

        found = problems(audit())

        assert (str(victim), 13, "changed") in found
        assert "Beautiful is better than ugly" not in capfd.readouterr().out


class TestInsiderOnSqlite(OnSqlite, ForgeryContract):
    pass


class TestInsiderOnPostgresAsTheApplicationRole(OnPostgresAsTheApplicationRole, ForgeryContract):
    pass
