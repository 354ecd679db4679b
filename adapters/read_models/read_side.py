"""The read side of one store: its read-model database, its event log, and the projector."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from adapters.read_models.database import ReadModelDatabase
from adapters.read_models.errors import UnknownProjectionError
from adapters.read_models.event_log import EventLog
from adapters.read_models.opening import open_read_model_database
from adapters.read_models.outcomes import ProjectionReport
from adapters.read_models.projection_status import projection_status
from adapters.read_models.projector import BATCH_SIZE, Projector
from adapters.read_models.rebuild import rebuild
from adapters.read_models.target import Target
from adapters.store import LibraryEventStore, StoreConfig, Wakeup
from core import JsonObject
from projections.projection import Projection


class ReadSide:
    """Projections kept in one read-model database from one store's log."""

    def __init__(
        self,
        database: ReadModelDatabase,
        log: EventLog,
        projections: Sequence[Projection],
        *,
        batch_size: int = BATCH_SIZE,
        wakeup: Callable[[], Wakeup] | None = None,
        on_commit: Callable[[Mapping[str, int]], None] | None = None,
    ) -> None:
        self.database = database
        self.log = log
        self.projections = tuple(projections)
        self._batch_size = batch_size
        self.projector = Projector(
            database,
            log,
            [Target.live(projection) for projection in self.projections],
            batch_size=batch_size,
            wakeup=wakeup,
            on_commit=on_commit,
        )

    @property
    def names(self) -> list[str]:
        """The registered projections' names."""
        return [projection.name for projection in self.projections]

    def select(self, name: str | None) -> list[Projection]:
        """The projection called `name` (every one for None), or `UnknownProjectionError`."""
        if name is None:
            return list(self.projections)
        chosen = [projection for projection in self.projections if projection.name == name]
        if not chosen:
            raise UnknownProjectionError(name, self.names)
        return chosen

    def catch_up(self) -> list[ProjectionReport]:
        """Apply every new event to every projection."""
        return self.projector.catch_up()

    def status(self) -> list[JsonObject]:
        """Position, lag and last error of each projection."""
        return projection_status(self.database, self.log, self.names)

    def rebuild(self, name: str | None = None) -> list[ProjectionReport]:
        """Rebuild one projection (or all) from zero, swap it in, then catch it up to the head."""
        chosen = self.select(name)
        reports = rebuild(self.database, self.log, chosen, batch_size=self._batch_size)
        if any(report.failure is not None for report in reports):
            return reports
        rebuilt = {report.name: report for report in reports}
        after = self.projector.catch_up(only=list(rebuilt))
        return [
            ProjectionReport(r.name, r.position, rebuilt[r.name].applied + r.applied, r.failure)
            for r in after
        ]

    def close(self) -> None:
        """Close the read-model database (the store belongs to the caller)."""
        self.database.close()


def open_read_side(
    config: StoreConfig,
    store: LibraryEventStore,
    projections: Sequence[Projection],
    *,
    batch_size: int = BATCH_SIZE,
    wakeup: Callable[[], Wakeup] | None = None,
    on_commit: Callable[[Mapping[str, int]], None] | None = None,
) -> ReadSide:
    """The read side of the store `config` names; `store` must be that same store.

    `wakeup` is what the projector's `follow` waits on (polling unless given: the bootstrap
    gives the one that suits the store).
    """
    database = open_read_model_database(config)
    log = EventLog(store)
    return ReadSide(
        database,
        log,
        projections,
        batch_size=batch_size,
        wakeup=wakeup,
        on_commit=on_commit,
    )
