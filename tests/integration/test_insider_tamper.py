"""An insider who can write to the database and has read the code: every attack is found or refused.

Writers sign every event; a checkpoint of the log is kept in a file outside the database; the
verifier holds only the public keys. On PostgreSQL the application connects as the
least-privileged role `db init --owner-role --app-role` creates, and the attacker tries first
with that role's rights, then (bypassing the guard as a superuser) with more.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from adapters.audit.checkpoints import append_to_file, read_checkpoint_file, take_checkpoint
from adapters.audit.store_audit import Evidence, audit_store
from adapters.read_models import ReadModelDatabase, open_read_side
from adapters.signing import (
    EventSigner,
    TrustedKeys,
    generate_key_pair,
    load_signer,
    load_trusted_keys,
)
from adapters.signing.quarantine import quarantine_plan
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.store.append_only_guard import guard_problems_at
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.workers.work_schema import init_store
from core.domain.approval_binding import plan_digest
from core.domain.errors import StoreTamperedError, UntrustedHistoryError
from core.domain.events import PlanApproved, PlanQuarantined, StepFailed, StepStarted
from core.domain.hash_chain import seal
from core.domain.plan import fold
from core.runtime.service import PlanService
from projections import PROJECTIONS
from tests.integration.conftest import ToolBench, plan_spec, step
from tests.integration.raw_events import RawEvents, raw_events_for


def retrying_spec(name: str) -> dict[str, object]:
    return plan_spec(
        step("a", parameters={"value": name}),
        step("b", "fail", depends_on=["a"], parameters={"times": 1}, max_retries=1),
        step("c", depends_on=["b"]),
    )


@dataclass
class Deployment:
    """The store as the application reaches it, the attacker's superuser door, and the keys."""

    app_url: str
    admin_url: str
    signer: EventSigner
    trusted: TrustedKeys
    checkpoints: Path


def problems(report: dict[str, Any]) -> set[tuple[str | None, int | None, str]]:
    return {(f["plan_id"], f["version"], f["problem"]) for f in report["findings"]}


class InsiderContract:
    """Every attack of the issue, against one backend; subclasses give the deployment."""

    @pytest.fixture
    def signer(self, tmp_path: Path) -> EventSigner:
        pair = generate_key_pair(tmp_path / "keys", "writer")
        return load_signer(pair.private_path)

    @pytest.fixture
    def trusted(self, tmp_path: Path, signer: EventSigner) -> TrustedKeys:
        return load_trusted_keys(tmp_path / "keys")

    @pytest.fixture
    def store(self, deployment: Deployment) -> Iterator[LibraryEventStore]:
        opened = open_event_store(parse_store_url(deployment.app_url), signer=deployment.signer)
        yield opened
        opened.close()

    @pytest.fixture
    def read_model(
        self, store: LibraryEventStore, deployment: Deployment
    ) -> Iterator[ReadModelDatabase]:
        side = open_read_side(parse_store_url(deployment.app_url), store, PROJECTIONS)
        yield side.database
        side.close()

    @pytest.fixture
    def plans(
        self,
        make_service: Any,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
    ) -> list[UUID]:
        """Three signed, completed plans, projected, then a checkpoint kept outside the store."""
        service: PlanService = make_service(on=store)
        ids = [service.run(retrying_spec(name), by="alice").plan_id for name in "xyz"]
        catch_up(store, deployment)
        append_to_file(deployment.checkpoints, take_checkpoint(store, read_model, store.signer))
        return ids

    @pytest.fixture
    def raw(self, deployment: Deployment) -> Iterator[RawEvents]:
        tamperer = raw_events_for(deployment.admin_url)
        yield tamperer
        tamperer.close()

    def verify(
        self, store: LibraryEventStore, read_model: ReadModelDatabase, deployment: Deployment
    ) -> dict[str, Any]:
        config = parse_store_url(deployment.admin_url)
        guard = []
        if config.conninfo is not None and config.schema is not None:
            guard = guard_problems_at(config.conninfo, config.schema, POSTGRES_EVENTS_TABLE)
        evidence = Evidence(deployment.trusted, read_checkpoint_file(deployment.checkpoints), guard)
        return audit_store(store, read_model, evidence).to_json()

    def test_a_clean_store_verifies_every_signature_and_checkpoint(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
    ) -> None:
        report = self.verify(store, read_model, deployment)

        assert report["findings"] == []
        assert report["signatures"] == {"events": 36, "keys": 1}
        assert report["checkpoints"] == {"checked": 1}

    def test_a_rewritten_result_with_recomputed_hashes_and_head_is_a_bad_signature(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
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

        report = self.verify(store, read_model, deployment)

        found = problems(report)
        assert (str(victim), failed, "bad_signature") in found
        assert (str(victim), 12, "changed") in found
        assert {plan for plan, _, _ in found} <= {str(victim), None}

    def test_a_truncated_tail_with_the_head_moved_back_is_missing_at_the_checkpoint(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        raw: RawEvents,
    ) -> None:
        victim = plans[1]
        eleventh = store.load_unchecked(victim)[10]
        raw.delete(victim, 12)
        rows(deployment).execute(
            "UPDATE plan_summary SET last_version = 11, head_hash = ? WHERE plan_id = ?",
            [eleventh.hash, key(deployment, victim)],
        )

        found = problems(self.verify(store, read_model, deployment))

        assert (str(victim), 12, "missing") in found
        assert (None, None, "checkpoint_digest") in found

    def test_a_deleted_plan_with_its_read_model_rows_is_missing_from_version_1(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        raw: RawEvents,
    ) -> None:
        victim = plans[2]
        for version in range(1, 13):
            raw.delete(victim, version)
        for table in ("plan_summary", "plan_steps", "plan_data", "step_history", "audit_log"):
            rows(deployment).execute(
                f"DELETE FROM {table} WHERE plan_id = ?", [key(deployment, victim)]
            )

        found = problems(self.verify(store, read_model, deployment))

        assert (str(victim), 1, "missing") in found

    def test_a_rebuild_after_a_deletion_erases_no_evidence(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        raw: RawEvents,
    ) -> None:
        victim = plans[0]
        raw.delete(victim, 12)
        side = open_read_side(parse_store_url(deployment.app_url), store, PROJECTIONS)
        try:
            side.rebuild()
        finally:
            side.close()

        found = problems(self.verify(store, read_model, deployment))

        assert (str(victim), 12, "missing") in found

    @pytest.mark.parametrize(
        ("table", "column"), [("plan_summary", "approved_by"), ("audit_log", "actor")]
    )
    def test_an_edited_read_model_row_is_named(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        table: str,
        column: str,
    ) -> None:
        victim = plans[0]
        rows(deployment).execute(
            f"UPDATE {table} SET {column} = 'ceo' WHERE plan_id = ?", [key(deployment, victim)]
        )

        report = self.verify(store, read_model, deployment)

        assert {f["plan_id"] for f in report["findings"]} == {str(victim)}
        assert {f["problem"] for f in report["findings"]} == {"read_model_differs"}

    def test_a_forged_approval_then_an_ordinary_execute_runs_nothing(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
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
        found = problems(self.verify(store, read_model, deployment))
        assert (str(pending), forged.version, "unsigned") in found

    def test_a_hostile_topic_is_a_finding_and_runs_no_code(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        raw: RawEvents,
        capfd: pytest.CaptureFixture[str],
    ) -> None:
        victim = plans[0]
        raw.insert(victim, 13, "this:s", b"{}")

        found = problems(self.verify(store, read_model, deployment))

        assert (str(victim), 13, "changed") in found
        assert "Beautiful is better than ugly" not in capfd.readouterr().out


def stored_state(store: LibraryEventStore, event: Any) -> bytes:
    return store.application.mapper.to_stored_event(event).state


def stored_row(store: LibraryEventStore, event: Any) -> tuple[str, bytes]:
    stored = store.application.mapper.to_stored_event(event)
    return stored.topic, stored.state


def catch_up(store: LibraryEventStore, deployment: Deployment) -> None:
    side = open_read_side(parse_store_url(deployment.app_url), store, PROJECTIONS)
    try:
        side.catch_up()
    finally:
        side.close()


def rows(deployment: Deployment) -> Any:
    """A session on the read models, with the application's rights."""
    from adapters.read_models import open_read_model_database

    database = open_read_model_database(parse_store_url(deployment.app_url))

    class Rows:
        def execute(self, statement: str, params: list[object]) -> None:
            with database.transaction() as session:
                session.execute(statement, params)
            database.close()

    return Rows()


def key(deployment: Deployment, plan_id: UUID) -> object:
    """The plan id as the read models store it (text on SQLite)."""
    return str(plan_id) if deployment.app_url.startswith("sqlite") else plan_id


class TestInsiderOnSqlite(InsiderContract):
    @pytest.fixture
    def deployment(self, tmp_path: Path, signer: EventSigner, trusted: TrustedKeys) -> Deployment:
        url = f"sqlite:///{tmp_path / 'insider.db'}"
        init_store(parse_store_url(url))
        return Deployment(url, url, signer, trusted, tmp_path / "checkpoints.jsonl")


@pytest.mark.postgres
class TestInsiderOnPostgresAsTheApplicationRole(InsiderContract):
    @pytest.fixture
    def deployment(
        self, postgres_url: str, tmp_path: Path, signer: EventSigner, trusted: TrustedKeys
    ) -> Iterator[Deployment]:
        suffix = uuid.uuid4().hex[:10]
        owner, app = f"t_owner_{suffix}", f"t_app_{suffix}"
        init_store(parse_store_url(postgres_url), (owner, app))
        app_url = postgres_url.replace("postgresql://postgres@", f"postgresql://{app}@")
        yield Deployment(app_url, postgres_url, signer, trusted, tmp_path / "checkpoints.jsonl")
        with psycopg.connect(postgres_url.partition("?")[0], autocommit=True) as admin:
            for role in (app, owner):
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE {table} SET topic = 'x'",
            "DELETE FROM {table}",
            "TRUNCATE {table}",
            "ALTER TABLE {table} DISABLE TRIGGER planledger_events_append_only",
            "CREATE OR REPLACE FUNCTION {schema}.planledger_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        ],
        ids=["update", "delete", "truncate", "disable-trigger", "replace-function"],
    )
    def test_the_application_role_cannot_change_history_or_its_guard(
        self, deployment: Deployment, plans: list[UUID], statement: str
    ) -> None:
        dsn, _, schema = deployment.app_url.partition("?schema=")
        table = sql.Identifier(schema, POSTGRES_EVENTS_TABLE)
        with psycopg.connect(dsn, autocommit=True) as attacker:
            text = sql.SQL(statement).format(table=table, schema=sql.Identifier(schema))
            with pytest.raises(psycopg.Error, match=r"append-only|must be owner|permission"):
                attacker.execute(text)
            counted = attacker.execute(sql.SQL("SELECT count(*) FROM {}").format(table))

        assert counted.fetchone() == (36,)

    @pytest.mark.parametrize("re_enable", [False, True], ids=["left-disabled", "re-enabled"])
    def test_a_guard_disabled_by_its_owner_is_refused_or_the_tampering_found(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
        re_enable: bool,
    ) -> None:
        dsn, _, schema = deployment.admin_url.partition("?schema=")
        table = sql.Identifier(schema, POSTGRES_EVENTS_TABLE)
        trigger = sql.Identifier("planledger_events_append_only")
        with psycopg.connect(dsn, autocommit=True) as owner:
            owner.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(table, trigger))
            owner.execute(
                sql.SQL(
                    "UPDATE {} SET state = state WHERE originator_id = %s "
                    "AND originator_version = 1"
                ).format(table),
                (plans[0],),
            )
            owner.execute(
                sql.SQL(
                    "DELETE FROM {} WHERE originator_id = %s AND originator_version = 12"
                ).format(table),
                (plans[0],),
            )
            if re_enable:
                owner.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(table, trigger))

        found = problems(self.verify(store, read_model, deployment))

        assert (str(plans[0]), 12, "missing") in found
        if not re_enable:
            assert any(problem == "guard" for _, _, problem in found)
            with pytest.raises(StoreTamperedError, match="disabled"):
                open_event_store(parse_store_url(deployment.app_url)).close()

    def test_a_replaced_guard_function_is_refused_at_start_up_and_found(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plans: list[UUID],
    ) -> None:
        dsn, _, schema = deployment.admin_url.partition("?schema=")
        with psycopg.connect(dsn, autocommit=True) as owner:
            owner.execute(
                sql.SQL(
                    "CREATE OR REPLACE FUNCTION {}.planledger_refuse_change() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
                ).format(sql.Identifier(schema))
            )

        found = problems(self.verify(store, read_model, deployment))

        assert (None, None, "guard") in found
        with pytest.raises(StoreTamperedError, match="replaced"):
            open_event_store(parse_store_url(deployment.app_url)).close()
        init_store(parse_store_url(deployment.admin_url))
        open_event_store(parse_store_url(deployment.app_url)).close()
