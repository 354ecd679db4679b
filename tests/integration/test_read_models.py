"""The projector's contract on SQLite and PostgreSQL: exactly once, rebuildable, failure-safe."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.read_models import ReadModelDatabase, ReadSide, Target, open_read_side
from adapters.read_models.table_io import select_rows
from adapters.read_models.tables import all_tables
from adapters.read_models.tracking import read_tracking
from adapters.store import LibraryEventStore, parse_store_url
from core.domain.events import PlanApproved, PlanEvent, StepCompleted
from core.runtime.service import PlanService
from projections import PROJECTIONS
from projections.projection import Projection
from projections.reader import ViewState
from projections.rows import AuditRow, Row
from tests.integration.conftest import SystemClock, plan_spec, step, wait_until
from tests.integration.engine_contract_support import RecordingStore
from tests.integration.plans_of_each_kind import run_one_plan_of_each_kind

SMALL_BATCH = 7
"""Small enough that every test crosses several batch boundaries."""


def open_side(
    store_url: str,
    store: LibraryEventStore,
    projections: Sequence[Projection] = PROJECTIONS,
    batch_size: int = SMALL_BATCH,
) -> ReadSide:
    return open_read_side(parse_store_url(store_url), store, projections, batch_size=batch_size)


def dump(database: ReadModelDatabase) -> dict[str, list[Row]]:
    """Every row of every read-model table, in key order."""
    with database.session() as session:
        return {
            spec.name: select_rows(session, spec, spec.name, order=", ".join(spec.key))
            for spec in all_tables()
        }


def positions(side: ReadSide) -> dict[str, int]:
    with side.database.session() as session:
        return {name: row.position for name, row in read_tracking(session).items()}


def log_entry(side: ReadSide, matches: Callable[[PlanEvent], bool]) -> int:
    """The position of the first event in the log that `matches`."""
    for entry in side.log.read(0, 100_000):
        if entry.event is not None and matches(entry.event):
            return entry.position
    raise AssertionError("no such event in the log")


class Killed(BaseException):
    """What a process kill looks like from inside: nothing after it runs, nothing commits."""


class Sabotaged:
    """A projection that misbehaves on chosen events, and otherwise does what `inner` does."""

    def __init__(
        self,
        inner: Projection,
        when: Callable[[PlanEvent, int], bool],
        then: Callable[[PlanEvent, list[Row]], list[Row]],
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.row_types = inner.row_types
        self.when = when
        self.then = then
        self.calls = 0

    def apply(self, event: PlanEvent, view: ViewState) -> list[Row]:
        self.calls += 1
        rows = self.inner.apply(event, view)
        return self.then(event, rows) if self.when(event, self.calls) else rows


def raising(error: BaseException) -> Callable[[PlanEvent, list[Row]], list[Row]]:
    def then(event: PlanEvent, rows: list[Row]) -> list[Row]:
        raise error

    return then


def with_projection(name: str, replacement: Callable[[Projection], Projection]) -> list[Any]:
    return [replacement(p) if p.name == name else p for p in PROJECTIONS]


def some_plans(service: PlanService, store: LibraryEventStore, count: int = 3) -> list[UUID]:
    """Plans of every kind (every event type), plus `count` small completed ones."""
    ids = run_one_plan_of_each_kind(service, RecordingStore(store), SystemClock())
    for index in range(count):
        spec = plan_spec(step("a", parameters={"value": str(index)}), step("b", depends_on=["a"]))
        ids.append(service.run(spec, by=f"user-{index}").plan_id)
    return ids


class ReadSideFixtures:
    """A read side over the store each backend's subclass names (`SqliteStore`, `PostgresStore`)."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    @pytest.fixture
    def side(self, store_url: str, store: LibraryEventStore) -> Iterator[ReadSide]:
        opened = open_side(store_url, store)
        yield opened
        opened.close()


class SqliteStore:
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'planledger.db'}"


class PostgresStore:
    @pytest.fixture
    def store_url(self, postgres_url: str) -> str:
        return postgres_url


class ReadModelContract(ReadSideFixtures):
    """What the read side guarantees on every database."""

    def test_applying_the_log_again_changes_nothing(
        self, side: ReadSide, service: PlanService, store: LibraryEventStore
    ) -> None:
        some_plans(service, store)
        side.catch_up()
        before = dump(side.database)
        targets = [Target.live(projection) for projection in PROJECTIONS]

        again = side.catch_up()
        stale = side.projector.apply_batch(
            targets, side.log.read(0, 1000), {target.name: 0 for target in targets}
        )

        assert [report.applied for report in again] == [0] * len(PROJECTIONS)
        assert stale is None
        assert dump(side.database) == before

    def test_rebuild_from_zero_gives_exactly_the_rows_incremental_processing_gave(
        self, side: ReadSide, service: PlanService, store: LibraryEventStore
    ) -> None:
        rejected = service.create_plan(plan_spec(step("a"), require_approval=True), by="ann")
        side.catch_up()
        service.reject(rejected, by="bob", reason="no")
        side.catch_up()
        some_plans(service, store)
        side.catch_up()
        incremental = dump(side.database)

        reports = side.rebuild()

        assert all(report.failure is None for report in reports)
        assert {report.position for report in reports} == {side.log.head()}
        assert dump(side.database) == incremental
        assert side.rebuild("tool_stats")[0].name == "tool_stats"
        assert dump(side.database) == incremental

    def test_a_projector_killed_mid_batch_resumes_without_loss_or_duplication(
        self, store_url: str, store: LibraryEventStore, service: PlanService, side: ReadSide
    ) -> None:
        some_plans(service, store)
        kill_at = SMALL_BATCH + 3
        doomed = open_side(
            store_url,
            store,
            with_projection(
                "tool_stats",
                lambda p: Sabotaged(p, lambda _, calls: calls == kill_at, raising(Killed())),
            ),
        )

        with pytest.raises(Killed):
            doomed.catch_up()
        left_at = positions(doomed)
        doomed.close()
        side.catch_up()
        resumed = dump(side.database)
        side.rebuild()

        first_batch_end = side.log.read(0, SMALL_BATCH)[-1].position
        assert set(left_at.values()) == {first_batch_end}
        assert resumed == dump(side.database)

    def test_a_failing_projection_stops_at_its_event_reports_it_and_does_not_skip(
        self, store_url: str, store: LibraryEventStore, service: PlanService, side: ReadSide
    ) -> None:
        some_plans(service, store)
        bad = log_entry(side, lambda event: isinstance(event, StepCompleted))
        failing = open_side(
            store_url,
            store,
            with_projection(
                "step_history",
                lambda p: Sabotaged(
                    p,
                    lambda event, _: isinstance(event, StepCompleted),
                    raising(ValueError("cannot shape this row")),
                ),
            ),
        )

        first = {report.name: report for report in failing.catch_up()}
        second = {report.name: report for report in failing.catch_up()}
        status = {item["name"]: item for item in failing.status()}
        failing.close()

        failure = first["step_history"].failure
        assert failure is not None
        assert (failure.position, failure.event_type) == (bad, "StepCompleted")
        assert "cannot shape this row" in failure.error
        assert first["step_history"].position == max(
            entry.position for entry in side.log.read(0, 100_000) if entry.position < bad
        )
        assert second["step_history"].failure == failure
        assert second["step_history"].position == first["step_history"].position
        assert status["step_history"]["failed_position"] == bad
        assert "cannot shape this row" in status["step_history"]["last_error"]
        assert first["plan_summary"].position == side.log.head()
        self._recovers_and_matches_a_rebuild(side)

    def test_rows_the_database_refuses_fail_the_projection_at_their_event(
        self, store_url: str, store: LibraryEventStore, service: PlanService, side: ReadSide
    ) -> None:
        some_plans(service, store)
        approval = log_entry(side, lambda event: isinstance(event, PlanApproved))

        def null_action(event: PlanEvent, rows: list[Row]) -> list[Row]:
            return [replace(row, action=None) if isinstance(row, AuditRow) else row for row in rows]

        refusing = open_side(
            store_url,
            store,
            with_projection(
                "audit_log",
                lambda p: Sabotaged(p, lambda e, _: isinstance(e, PlanApproved), null_action),
            ),
        )

        reports = {report.name: report for report in refusing.catch_up()}
        refusing.close()

        failure = reports["audit_log"].failure
        assert failure is not None
        assert (failure.position, failure.event_type) == (approval, "PlanApproved")
        assert reports["audit_log"].position < approval
        assert reports["plan_summary"].position == side.log.head()
        assert reports["plan_summary"].failure is None
        self._recovers_and_matches_a_rebuild(side)

    def _recovers_and_matches_a_rebuild(self, side: ReadSide) -> None:
        recovered = {report.name: report for report in side.catch_up()}
        incremental = dump(side.database)
        side.rebuild()

        assert {report.failure for report in recovered.values()} == {None}
        assert {report.position for report in recovered.values()} == {side.log.head()}
        assert {item["last_error"] for item in side.status()} == {None}
        assert dump(side.database) == incremental

    def test_two_projectors_at_once_apply_every_event_exactly_once(
        self,
        store_url: str,
        store: LibraryEventStore,
        reopen_store: Callable[[LibraryEventStore], LibraryEventStore],
        service: PlanService,
        side: ReadSide,
    ) -> None:
        some_plans(service, store, count=6)
        first = open_side(store_url, reopen_store(store), batch_size=3)
        second = open_side(store_url, reopen_store(store), batch_size=4)
        errors: list[BaseException] = []

        def run(other: ReadSide) -> None:
            try:
                other.catch_up()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        first.close()
        second.close()
        concurrent = dump(side.database)
        side.rebuild()

        assert errors == []
        assert set(positions(side).values()) == {side.log.head()}
        assert concurrent == dump(side.database)

    def test_projections_status_reports_lag_in_events_and_seconds(
        self, side: ReadSide, service: PlanService
    ) -> None:
        side.catch_up()
        plan = service.run(plan_spec(step("a"), step("b")), by="ann")

        wait_until(lambda: side.status()[0]["lag_seconds"] > 0, what="a measurable lag")
        lagging = side.status()
        side.catch_up()
        current = side.status()

        assert {item["lag_events"] for item in lagging} == {plan.version}
        assert {item["head"] for item in lagging} == {side.log.head()}
        assert all(item["lag_seconds"] > 0 for item in lagging)
        assert {(item["lag_events"], item["lag_seconds"]) for item in current} == {(0, 0.0)}

    def test_follow_applies_new_events_until_stopped(
        self, side: ReadSide, service: PlanService
    ) -> None:
        stop = threading.Event()
        follower = threading.Thread(target=side.projector.follow, args=(stop,))
        follower.start()
        try:
            plan = service.run(plan_spec(step("a"), step("b", depends_on=["a"])), by="ann")

            wait_until(
                lambda: positions(side).get("plan_summary", 0) >= side.log.head(),
                what="the follower to reach the head",
            )
        finally:
            stop.set()
            follower.join(timeout=10)

        assert not follower.is_alive()
        summaries = dump(side.database)["plan_summary"]
        assert [(row.plan_id, row.status) for row in summaries] == [(plan.plan_id, "completed")]


class TestReadModelsOnSqlite(SqliteStore, ReadModelContract):
    pass


@pytest.mark.postgres
class TestReadModelsOnPostgres(PostgresStore, ReadModelContract):
    pass
