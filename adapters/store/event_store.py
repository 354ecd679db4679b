"""Core's `EventStore` port on the eventsourcing library's recorders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent

from adapters.store.event_topics import catalogue_topics
from adapters.store.library_errors import translated_errors
from adapters.store.postgres_setup import is_set_up, refuse_changes_to_events, schema_lock
from adapters.store.pydantic_mapper import DECODE_ERRORS, OrjsonTranscoder, PydanticMapper
from adapters.store.store_url import StoreConfig
from core import CorruptHistoryError, PlanEvent, StoreUnavailableError


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
    """Appends and loads plan events; a taken version becomes `ConcurrencyError`."""

    def __init__(
        self, application: PlanLedgerApplication, display: str, *, read_only: bool = False
    ) -> None:
        self.application = application
        self.display = display
        self.read_only = read_only

    def load(
        self, plan_id: UUID, after_version: int = 0, up_to_version: int | None = None
    ) -> list[PlanEvent]:
        """The plan's events above `after_version` (and up to `up_to_version`), oldest first."""
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
        to_stored = self.application.mapper.to_stored_event
        stored = [to_stored(event) for event in events]
        with translated_errors(self.display, events[0].plan_id, events[0].version):
            self.application.recorder.insert_events(stored)

    def close(self) -> None:
        """Release the database connections."""
        self.application.close()


def open_event_store(
    config: StoreConfig, extra_env: dict[str, Any] | None = None
) -> LibraryEventStore:
    """Open (and on first use, create) the store a `StoreConfig` names."""
    env = {**config.env, **(extra_env or {})}
    with translated_errors(config.display):
        if config.kind == "postgresql":
            assert config.conninfo is not None
            assert config.schema is not None
            if is_set_up(config.conninfo, config.schema, POSTGRES_EVENTS_TABLE):
                application = PlanLedgerApplication(env={**env, "CREATE_TABLE": "n"})
            else:
                with schema_lock(config.conninfo, config.schema) as connection:
                    application = PlanLedgerApplication(env=env)
                    refuse_changes_to_events(connection, config.schema, POSTGRES_EVENTS_TABLE)
        else:
            application = PlanLedgerApplication(env=env)
    return LibraryEventStore(application, config.display, read_only=config.read_only)
