"""Core's `EventStore` port on the eventsourcing library's recorders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import strtobool

from adapters.signing import EventSigner, TrustedKeys
from adapters.store.append_only_guard import guard_problems
from adapters.store.errors import StoreNeedsMigrationError
from adapters.store.event_topics import catalogue_topics
from adapters.store.library_errors import translated_errors
from adapters.store.postgres_recorder import PlanLedgerPostgresRecorder
from adapters.store.postgres_setup import refuse_changes_to_events, schema_lock
from adapters.store.pydantic_mapper import DECODE_ERRORS, OrjsonTranscoder, PydanticMapper
from adapters.store.store_url import StoreConfig
from core import (
    CorruptHistoryError,
    PlanEvent,
    StoreTamperedError,
    StoreUnavailableError,
    UntrustedHistoryError,
)


class PlanLedgerApplication(Application[UUID]):
    """The library application that owns planledger's tables (`planledger_events` on PostgreSQL).

    Its `name` is fixed: the library derives table names from it.
    """

    name = "planledger"

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(OrjsonTranscoder(), catalogue_topics())


READ_ONLY_REASON = (
    "it is read-only (a file or filesystem that cannot be written): commands that only read "
    "work on it, this one would write"
)

POSTGRES_EVENTS_TABLE = f"{PlanLedgerApplication.name}_events"
"""The library names an application's PostgreSQL events table after the application."""


class LibraryEventStore:
    """Appends and loads plan events; a taken version becomes `ConcurrencyError`.

    With a `signer`, every appended event is signed by this writer's key; with `trusted` keys,
    loading a plan that holds an event not signed by one of them raises `UntrustedHistoryError`,
    so nothing built on this store acts on it. A `read_only` store (a copy an auditor may not
    write) loads and refuses every append.
    """

    def __init__(
        self,
        application: PlanLedgerApplication,
        display: str,
        *,
        signer: EventSigner | None = None,
        trusted: TrustedKeys | None = None,
        read_only: bool = False,
    ) -> None:
        self.application = application
        self.display = display
        self.signer = signer
        self.trusted = trusted
        self.read_only = read_only

    def load(
        self, plan_id: UUID, after_version: int = 0, up_to_version: int | None = None
    ) -> list[PlanEvent]:
        """The plan's events above `after_version` (and up to `up_to_version`), oldest first."""
        events = self.load_unchecked(plan_id, after_version, up_to_version)
        if self.trusted is not None:
            for event in events:
                found = self.trusted.problem(event)
                if found is not None:
                    problem, detail = found
                    raise UntrustedHistoryError(
                        plan_id, event.version, f"{problem.value} {type(event).__name__}: {detail}"
                    )
        return events

    def load_unchecked(
        self, plan_id: UUID, after_version: int = 0, up_to_version: int | None = None
    ) -> list[PlanEvent]:
        """`load` without the signature check: for verification and quarantine only."""
        with translated_errors(self.display, plan_id):
            stored = self.application.recorder.select_events(
                plan_id, gt=after_version or None, lte=up_to_version
            )
        return [self._to_event(record) for record in stored]

    def _to_event(self, record: StoredEvent) -> PlanEvent:
        """Decode one stored row; a row that no event class accepts is a corrupt history."""
        try:
            return cast(PlanEvent, self.application.mapper.to_domain_event(record))
        except DECODE_ERRORS as error:
            reason = f"{record.topic}: {str(error).strip().splitlines()[0]}"
            raise CorruptHistoryError(
                record.originator_id, record.originator_version, reason
            ) from None

    def append(self, events: Sequence[PlanEvent]) -> None:
        """Append all events in one transaction, or none."""
        if not events:
            return
        if self.read_only:
            raise StoreUnavailableError(self.display, READ_ONLY_REASON)
        if self.signer is not None:
            events = [self.signer.sign(event) for event in events]
        to_stored = self.application.mapper.to_stored_event
        stored = [to_stored(event) for event in events]
        with translated_errors(self.display, events[0].plan_id, events[0].version):
            self.application.recorder.insert_events(stored)

    def close(self) -> None:
        """Release the database connections."""
        self.application.close()


def open_event_store(
    config: StoreConfig,
    extra_env: dict[str, Any] | None = None,
    *,
    signer: EventSigner | None = None,
    trusted: TrustedKeys | None = None,
) -> LibraryEventStore:
    """Open (and on first use, create) the store a `StoreConfig` names (see `LibraryEventStore`
    for `signer` and `trusted`).

    A PostgreSQL store is checked with a few queries (migrated, guarded, its guard intact); only
    a new or older table is created or migrated, under the set-up advisory lock. With
    `CREATE_TABLE=n` in `extra_env` (workers, which need `db init` first) an older table is
    refused with `StoreNeedsMigrationError`; a tampered guard with `StoreTamperedError`.
    """
    env = {**config.env, **(extra_env or {})}
    with translated_errors(config.display):
        if config.kind != "postgresql":
            application = PlanLedgerApplication(env=env)
            return LibraryEventStore(
                application,
                config.display,
                signer=signer,
                trusted=trusted,
                read_only=config.read_only,
            )
        application = PlanLedgerApplication(env={**env, "CREATE_TABLE": "n"})
        try:
            _make_current(application, config, may_create=strtobool(env.get("CREATE_TABLE", "y")))
        except BaseException:
            application.close()
            raise
    return LibraryEventStore(application, config.display, signer=signer, trusted=trusted)


def _make_current(
    application: PlanLedgerApplication, config: StoreConfig, may_create: bool
) -> None:
    recorder = application.recorder
    assert isinstance(recorder, PlanLedgerPostgresRecorder), type(recorder)
    assert config.conninfo is not None
    assert config.schema is not None
    if recorder.is_current():
        with recorder.datastore.get_connection() as connection:
            problems = guard_problems(connection, config.schema, POSTGRES_EVENTS_TABLE)
        if problems:
            raise StoreTamperedError(
                f"{config.schema}.{POSTGRES_EVENTS_TABLE}",
                "its append-only guard: " + "; ".join(problems),
            )
        return
    if not may_create:
        raise StoreNeedsMigrationError(config.display)
    with schema_lock(config.conninfo, config.schema) as connection:
        if not recorder.is_current():  # another process may have set it up while we waited
            recorder.create_table()
        refuse_changes_to_events(connection, config.schema, POSTGRES_EVENTS_TABLE)
