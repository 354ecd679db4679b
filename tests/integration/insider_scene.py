"""The insider's scene: signed plans, a checkpoint outside the database, and the store's rows.

Writers sign every event; a checkpoint of the log is kept in a file outside the database; the
verifier holds only the public keys. On PostgreSQL the application connects as the
least-privileged role `db init --owner-role --app-role` creates, and the attacker tries first
with that role's rights, then (bypassing the guard as a superuser) with more.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
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
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.store.append_only_guard import guard_problems_at
from adapters.store.event_store import POSTGRES_EVENTS_TABLE
from adapters.workers.work_schema import init_store
from core.runtime.service import PlanService
from projections import PROJECTIONS
from tests.integration.conftest import plan_spec, step
from tests.integration.raw_events import RawEvents, raw_events_for

Audit = Callable[[], dict[str, Any]]


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


class InsiderFixtures:
    """The scene every insider test starts from; subclasses give the deployment."""

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

    @pytest.fixture
    def audit(
        self, store: LibraryEventStore, read_model: ReadModelDatabase, deployment: Deployment
    ) -> Audit:
        """The auditor's report on the store as it is when called: after the attack."""
        return lambda: self.verify(store, read_model, deployment)

    def verify(
        self,
        store: LibraryEventStore,
        read_model: ReadModelDatabase,
        deployment: Deployment,
        plan_ids: list[UUID] | None = None,
    ) -> dict[str, Any]:
        config = parse_store_url(deployment.admin_url)
        guard = []
        if config.conninfo is not None and config.schema is not None:
            guard = guard_problems_at(config.conninfo, config.schema, POSTGRES_EVENTS_TABLE)
        evidence = Evidence(deployment.trusted, read_checkpoint_file(deployment.checkpoints), guard)
        return audit_store(store, read_model, evidence, plan_ids).to_json()


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


class OnSqlite:
    """A SQLite file: the application and the attacker reach it the same way."""

    @pytest.fixture
    def deployment(self, tmp_path: Path, signer: EventSigner, trusted: TrustedKeys) -> Deployment:
        url = f"sqlite:///{tmp_path / 'insider.db'}"
        init_store(parse_store_url(url))
        return Deployment(url, url, signer, trusted, tmp_path / "checkpoints.jsonl")


@pytest.mark.postgres
class OnPostgresAsTheApplicationRole:
    """The application as the least-privileged role; the attacker as the superuser."""

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
