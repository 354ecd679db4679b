"""The pause in the read models on SQLite and PostgreSQL: columns of `plan_summary` that the
projection writes, read by `plans list --status paused` and `plans show` as they are."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.read_models import PlanFilter, ReadSide, list_plans, plan_pause
from adapters.store import LibraryEventStore
from core.domain.events import PlanEvent, PlanPaused
from core.domain.plan import fold
from tests.integration.test_read_models import PostgresStore, ReadSideFixtures, SqliteStore, dump
from tests.unit.builders import PLAN_ID, Ledger, executing_plan, spec, step
from tests.unit.operator_actions import do_pause, do_retry, do_unpause
from tests.unit.test_shared_rules import failed_while_paused

PAUSED = PlanFilter(status="paused")


class PauseColumnsContract(ReadSideFixtures):
    """What `plans list --status paused` and `plans show` say of a plan's pause."""

    def record(
        self,
        store: LibraryEventStore,
        side: ReadSide,
        ledger: Ledger,
        new: int,
        until: int | None = None,
    ) -> None:
        """Append the ledger's events from `new` on (to `until`), and bring the views up."""
        events: list[PlanEvent] = ledger.events[new:until]
        store.append(events)
        side.catch_up()

    def pause_seen(self, side: ReadSide) -> tuple[list[str], Any]:
        listed = [plan["id"] for plan in list_plans(side.database, PAUSED).plans]
        return listed, plan_pause(side.database, PLAN_ID)

    def test_a_pause_shows_while_it_holds_is_kept_through_an_end_and_holds_again_on_reopening(
        self, side: ReadSide, store: LibraryEventStore
    ) -> None:
        ledger = failed_while_paused()
        ended_at = next(i for i, e in enumerate(ledger.events) if isinstance(e, PlanPaused)) + 1
        self.record(store, side, ledger, 0, until=ended_at)
        paused = self.pause_seen(side)
        self.record(store, side, ledger, ended_at)
        ended = self.pause_seen(side)
        reopened_at = len(ledger.events)
        do_retry(ledger, "a", 20)
        self.record(store, side, ledger, reopened_at)
        reopened = self.pause_seen(side)
        unpaused_at = len(ledger.events)
        do_unpause(ledger, 30)
        self.record(store, side, ledger, unpaused_at)
        unpaused = self.pause_seen(side)
        incremental = dump(side.database)

        side.rebuild()

        pause = {"by": "olga", "reason": "deploy freeze", "at": "2025-01-01T12:00:00.005000Z"}
        assert paused == ([str(PLAN_ID)], pause)
        assert ended == ([], None)
        assert fold(ledger.events[:reopened_at]).paused_by == "olga"
        assert reopened == ([str(PLAN_ID)], pause)
        assert unpaused == ([], None)
        assert dump(side.database) == incremental

    def test_plans_list_prints_the_pause_of_each_plan_it_lists(
        self, side: ReadSide, store: LibraryEventStore
    ) -> None:
        ledger = executing_plan(spec(step("a")))
        do_pause(ledger, 7, by="pat")
        self.record(store, side, ledger, 0)

        [listed] = list_plans(side.database).plans

        assert listed["paused"] == {
            "by": "pat",
            "reason": "deploy freeze",
            "at": "2025-01-01T12:00:00.007000Z",
        }


class TestPauseColumnsOnSqlite(SqliteStore, PauseColumnsContract):
    pass


@pytest.mark.postgres
class TestPauseColumnsOnPostgres(PostgresStore, PauseColumnsContract):
    pass
