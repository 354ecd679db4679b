"""The projector: applies the global event log to the read models, exactly once, in batches.

For each batch it reads up to `batch_size` events above the lowest position of its projections
and applies each projection through a batch-local view (rows prefetched, plus the rows of the
batch still committing). Then, in ONE transaction, it locks the projections' tracking rows
(PostgreSQL: `SELECT ... FOR UPDATE`; SQLite: `BEGIN IMMEDIATE`), re-checks that the positions
are the ones the batch was worked out from — else another runner got there first and the batch
is refused, writing nothing — upserts the changed rows and moves the positions. Rows and
position commit together, so a crash anywhere loses nothing and applies nothing twice. A full
batch commits in a thread while the next one is worked out (`catch_up`).

A projection that raises (or whose rows the database refuses) keeps what it applied before the
failing event, records the event and error in its tracking row, and stops there: it is retried
from that event, never skipped. The others go on. See `event_log` for why reading positions
above the last one seen is gap-safe.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import structlog

from adapters.read_models.database import ReadModelDatabase, Session
from adapters.read_models.database_errors import STATEMENT_FAILURES, is_unavailable
from adapters.read_models.event_log import EventLog, LogEntry, ReadAhead
from adapters.read_models.follower import follow_log
from adapters.read_models.outcomes import ProjectionFailure, ProjectionReport
from adapters.read_models.table_io import upsert_rows
from adapters.read_models.tables import table_spec
from adapters.read_models.target import Target
from adapters.read_models.tracking import (
    advance,
    ensure_tracking,
    lock_positions,
    read_tracking,
    record_failure,
)
from adapters.read_models.view_state import (
    BatchViewState,
    Changes,
    prefetch_all,
    scopes_of,
)
from adapters.read_models.write_behind import WriteBehind
from adapters.store import PollingWakeup, Wakeup
from projections.rows import Row

BATCH_SIZE = 500
"""Events per transaction: the notes measured ≈ 14,000 ev/s batching 500, ≈ 900 one by one."""

logger = structlog.get_logger("planledger.projector")


@dataclass
class Applied:
    """One projection's share of a batch: where it got to, and what it changed or hit."""

    target: Target
    position: int
    applied: int = 0
    changes: Changes = field(default_factory=dict)
    failure: ProjectionFailure | None = None


Batch = dict[str, Applied]
"""What a batch did, by tracking name; None instead of a batch means it was refused."""


@dataclass(frozen=True)
class Plan:
    """What the next batch starts from: its projections, their positions, the rows carried."""

    targets: list[Target]
    expected: dict[str, int]
    carry: dict[str, Changes]


@dataclass(frozen=True)
class Job:
    """A worked-out batch: what it was worked out from, and what it did."""

    targets: list[Target]
    entries: Sequence[LogEntry]
    expected: dict[str, int]
    batch: Batch

    def next_plan(self) -> Plan:
        """Where the following batch starts if this one commits: failed projections stop."""
        going = [t for t in self.targets if self.batch[t.name].failure is None]
        return Plan(
            going,
            {t.name: self.batch[t.name].position for t in going},
            {t.name: self.batch[t.name].changes for t in going},
        )


class Projector:
    """Runs projections over one store's log into one read-model database."""

    def __init__(
        self,
        database: ReadModelDatabase,
        event_log: EventLog,
        targets: Sequence[Target],
        *,
        batch_size: int = BATCH_SIZE,
        wakeup: Callable[[], Wakeup] | None = None,
        on_commit: Callable[[Mapping[str, int]], None] | None = None,
    ) -> None:
        self._database = database
        self._log = event_log
        self._targets = tuple(targets)
        self._batch_size = batch_size
        self._wakeup = wakeup or PollingWakeup
        self._on_commit = on_commit
        self._ensured = False

    @property
    def names(self) -> tuple[str, ...]:
        """The tracking names this projector moves."""
        return tuple(target.name for target in self._targets)

    def catch_up(self, only: Collection[str] | None = None) -> list[ProjectionReport]:
        """Apply every event up to the head; one report per projection (`only` those named).

        Batch N+1 is worked out while batch N commits in the background (`WriteBehind`), from
        rows read outside the write transaction plus the rows batch N changed. That is safe
        because every commit re-checks, under lock, that the positions are the ones the batch
        was worked out from: if anyone else moved them, the batch is refused and everything
        after it is worked out again from the database.
        """
        active = [t for t in self._targets if only is None or t.name in only]
        self._ensure_tracking()
        with self._database.session() as session:
            start = {name: row.position for name, row in read_tracking(session).items()}
        reports = {t.name: ProjectionReport(t.name, start.get(t.name, 0), 0) for t in active}
        with ReadAhead(self._log, self._batch_size) as log, WriteBehind[Job, bool]() as writer:
            plan: Plan | None = None
            while True:
                if plan is None:
                    if not active:
                        break
                    plan = Plan(list(active), self._peek(active), {})
                entries = log.read(min(plan.expected.values())) if plan.targets else []
                job = self._work_out(plan, entries) if entries else None
                if not self._settle(writer.take(), reports, active):
                    plan = None
                    continue
                if job is None:
                    break
                full = len(entries) == self._batch_size
                writer.put(job, functools.partial(self._commit, job), background=full)
                plan = job.next_plan()
        return list(reports.values())

    def _work_out(self, plan: Plan, entries: Sequence[LogEntry]) -> Job:
        """Apply the entries outside any transaction, over the rows the last batch changed."""
        with self._database.session() as session:
            views = batch_views(session, plan.targets, entries, plan.carry)
            batch = {
                t.name: apply_entries(t, plan.expected[t.name], entries, view)
                for t, view in zip(plan.targets, views, strict=True)
            }
        return Job(plan.targets, entries, plan.expected, batch)

    def _commit(self, job: Job) -> bool:
        """Write a worked-out batch if its positions still hold; False if refused."""
        with self._database.transaction(write_lock=True) as session:
            if not _positions_hold(session, job.expected):
                return False
            self._write_all(session, job.batch, job.expected)
        self._committed(job.batch)
        return True

    def _settle(
        self,
        pending: tuple[Job, Future[bool]] | None,
        reports: dict[str, ProjectionReport],
        active: list[Target],
    ) -> bool:
        """Take the outcome of the batch in flight; False when what follows must be redone.

        A statement the database refused is narrowed down here, synchronously, as `_run` does.
        """
        if pending is None:
            return True
        job, outcome = pending
        try:
            committed = outcome.result()
        except STATEMENT_FAILURES as error:
            if is_unavailable(error):
                raise
            isolated = self._isolate(job.targets, job.entries, job.expected, error)
            self._take_in(isolated, reports, active)
            return False
        if committed:
            self._take_in(job.batch, reports, active)
        return committed

    def _take_in(
        self, batch: Batch | None, reports: dict[str, ProjectionReport], active: list[Target]
    ) -> None:
        for applied in (batch or {}).values():
            reports[applied.target.name] = _merged(reports[applied.target.name], applied)
            if applied.failure is not None:
                self._record(applied.failure)
                active.remove(applied.target)

    def follow(self, stop: threading.Event, *, retry_failed_after_s: float = 5.0) -> None:
        """Catch up, then wait for new events and catch up again, until `stop` is set."""
        with self._wakeup() as wakeup:
            follow_log(self.catch_up, self.names, wakeup, stop, retry_failed_after_s)

    def apply_batch(
        self, targets: Sequence[Target], entries: Sequence[LogEntry], expected: Mapping[str, int]
    ) -> Batch | None:
        """Apply `entries` to the targets in one transaction, if they stand where expected.

        Returns None, having written nothing, when a locked position is not the `expected` one:
        another runner applied those events first (or the caller's positions are stale).
        """
        with self._database.transaction(write_lock=True) as session:
            if not _positions_hold(session, expected):
                return None
            views = batch_views(session, targets, entries, {})
            batch = {
                t.name: apply_entries(t, expected[t.name], entries, view)
                for t, view in zip(targets, views, strict=True)
            }
            self._write_all(session, batch, expected)
        self._committed(batch)
        return batch

    def _write_all(self, session: Session, batch: Batch, expected: Mapping[str, int]) -> None:
        with session.pipeline():
            for applied in batch.values():
                write_applied(session, applied, expected[applied.target.name])

    def _committed(self, batch: Batch) -> None:
        if self._on_commit is not None:
            self._on_commit({name: applied.position for name, applied in batch.items()})

    def _peek(self, targets: Sequence[Target]) -> dict[str, int]:
        """Positions read without a lock: where the next batch should start reading."""
        names = [t.name for t in targets]
        with self._database.session() as session:
            found = read_tracking(session, names)
        if len(found) < len(names):
            self._ensured = False
            self._ensure_tracking()
        return {t.name: found[t.name].position if t.name in found else 0 for t in targets}

    def _ensure_tracking(self) -> None:
        if not self._ensured:
            with self._database.transaction(write_lock=True) as session:
                ensure_tracking(session, self.names)
            self._ensured = True

    def _run(
        self, targets: Sequence[Target], entries: Sequence[LogEntry], expected: Mapping[str, int]
    ) -> Batch | None:
        """`apply_batch`, narrowing a statement failure down to one projection and one event."""
        try:
            return self.apply_batch(targets, entries, {t.name: expected[t.name] for t in targets})
        except STATEMENT_FAILURES as error:
            if is_unavailable(error):
                raise
            return self._isolate(targets, entries, expected, error)

    def _isolate(
        self,
        targets: Sequence[Target],
        entries: Sequence[LogEntry],
        expected: Mapping[str, int],
        error: Exception,
    ) -> Batch | None:
        if len(targets) > 1:
            batch: Batch = {}
            for target in targets:
                alone = self._run([target], entries, expected)
                if alone is None:
                    return None
                batch.update(alone)
            return batch
        target = targets[0]
        pending = [entry for entry in entries if entry.position > expected[target.name]]
        if not pending:
            raise error
        if len(pending) == 1:
            failure = _failure(target, pending[0], error)
            return {target.name: Applied(target, expected[target.name], failure=failure)}
        total = Applied(target, expected[target.name])
        for entry in pending:
            one = self._run([target], [entry], {target.name: total.position})
            if one is None:
                return None
            step = one[target.name]
            total = Applied(target, step.position, total.applied + step.applied, {}, step.failure)
            if step.failure is not None:
                break
        return {target.name: total}

    def _record(self, failure: ProjectionFailure) -> None:
        """Write the failure in its own transaction: the batch's was rolled back or committed."""
        logger.warning(
            "projection_failed",
            projection=failure.name,
            position=failure.position,
            event_type=failure.event_type,
            plan_id=str(failure.plan_id) if failure.plan_id else None,
            error=failure.error,
        )
        with self._database.transaction(write_lock=True) as session:
            record_failure(session, failure.name, failure.position, failure.cause)


def batch_views(
    session: Session,
    targets: Sequence[Target],
    entries: Sequence[LogEntry],
    carry: Mapping[str, Changes],
) -> list[BatchViewState]:
    """A prefetched view per target, over the rows carried from a batch not yet committed."""
    scopes = scopes_of(entry.event for entry in entries if entry.event is not None)
    views = [BatchViewState(session, target.tables) for target in targets]
    prefetch_all(session, views, scopes)
    for target, view in zip(targets, views, strict=True):
        view.seed(carry.get(target.name, {}))
    return views


def apply_entries(
    target: Target, position: int, entries: Sequence[LogEntry], view: BatchViewState
) -> Applied:
    """Apply the entries above `position` through a batch view, stopping at a failure."""
    pending = [entry for entry in entries if entry.position > position]
    applied = Applied(target, position)
    for entry in pending:
        try:
            rows = _rows_of(target, entry, view)
        except Exception as error:
            applied.failure = _failure(target, entry, error)
            break
        if rows:
            view.put(rows)
        applied.position = entry.position
        applied.applied += 1
    applied.changes = view.changes()
    return applied


def write_applied(session: Session, applied: Applied, expected: int) -> None:
    """Upsert what a projection changed, and move it to where it got (if it moved)."""
    for row_type, rows in applied.changes.items():
        upsert_rows(session, table_spec(row_type), applied.target.tables[row_type], rows)
    if applied.position != expected:
        advance(session, applied.target.name, applied.position)


def _positions_hold(session: Session, expected: Mapping[str, int]) -> bool:
    """Lock the tracking rows; True when they stand where the batch was worked out from."""
    locked = lock_positions(session, expected)
    return all(locked.get(name) == position for name, position in expected.items())


def _rows_of(target: Target, entry: LogEntry, view: BatchViewState) -> list[Row]:
    if entry.event is None:
        raise UndecodableEventError(entry.problem or "cannot decode the event")
    rows = target.projection.apply(entry.event, view)
    for row in rows:
        if type(row) not in target.tables:
            raise TypeError(f"returned a {type(row).__name__}, which it does not own")
    return rows if type(rows) is list else list(rows)


class UndecodableEventError(Exception):
    """A stored event that no event class accepts: every projection stops at it."""


def _failure(target: Target, entry: LogEntry, error: Exception) -> ProjectionFailure:
    text = str(error).strip().splitlines()
    message = f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")
    return ProjectionFailure(
        name=target.name,
        position=entry.position,
        event_type=type(entry.event).__name__ if entry.event is not None else "undecodable",
        plan_id=entry.event.plan_id if entry.event is not None else None,
        error=message,
    )


def _merged(report: ProjectionReport, applied: Applied) -> ProjectionReport:
    return ProjectionReport(
        report.name, applied.position, report.applied + applied.applied, applied.failure
    )
