"""The read-model queries on SQLite and PostgreSQL: the answers the CLI and the API print."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from adapters.read_models import (
    InvalidCursorError,
    PlanFilter,
    ReadSide,
    audit_trail,
    export_audit,
    list_plans,
    plan_heads,
    show_plan,
    step_timeline,
    tool_stats,
)
from adapters.read_models.queries import percentile
from adapters.store import LibraryEventStore
from core.domain.errors import PlanNotFoundError
from core.domain.plan_view import plan_view
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step, wait_until
from tests.integration.test_read_models import (
    PostgresStore,
    ReadSideFixtures,
    SqliteStore,
    dump,
    open_side,
    some_plans,
)


def all_pages(side: ReadSide, where: PlanFilter | None = None, limit: int = 3) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = list_plans(side.database, where, limit=limit, cursor=cursor)
        ids.extend(plan["id"] for plan in page.plans)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def wait_for_more_plans(written: list[UUID]) -> None:
    """Let the writer add at least one plan: pages interleave with writes, without sleeping."""
    wanted = len(written) + 1
    wait_until(lambda: len(written) >= wanted, what="a plan written between pages")


class QueryContract(ReadSideFixtures):
    """What the queries answer on every database."""

    def test_show_gives_what_status_gives_for_every_kind_of_plan(
        self, side: ReadSide, service: PlanService, store: LibraryEventStore
    ) -> None:
        ids = some_plans(service, store)

        side.catch_up()

        for plan_id in ids:
            assert show_plan(side.database, plan_id) == plan_view(service.get_plan(plan_id))

    def test_an_unknown_plan_is_not_found(self, side: ReadSide) -> None:
        side.catch_up()
        unknown = UUID(int=7)

        with pytest.raises(PlanNotFoundError):
            show_plan(side.database, unknown)
        with pytest.raises(PlanNotFoundError):
            step_timeline(side.database, unknown)

    def test_plans_list_newest_first_filtered_by_status_time_and_text(
        self, side: ReadSide, service: PlanService
    ) -> None:
        done = service.run({**plan_spec(step("a")), "name": "Deploy_web"}, by="ann")
        waiting = service.create_plan(
            {**plan_spec(step("a"), require_approval=True), "description": "100% pending"},
            by="bob",
        )
        side.catch_up()
        created_at = {p["id"]: p["created_at"] for p in list_plans(side.database).plans}
        moment = datetime.fromisoformat(created_at[str(waiting)])

        newest_first = all_pages(side)
        pending = all_pages(side, PlanFilter(status="pending_approval"))
        by_text = all_pages(side, PlanFilter(text="deploy_"))
        by_percent = all_pages(side, PlanFilter(text="100%"))
        since = all_pages(side, PlanFilter(since=moment))
        until = all_pages(side, PlanFilter(until=moment))
        empty = all_pages(side, PlanFilter(since=moment + timedelta(days=1)))

        assert newest_first == [str(waiting), str(done.plan_id)]
        assert pending == [str(waiting)]
        assert by_text == [str(done.plan_id)]
        assert by_percent == [str(waiting)]
        assert (since, until, empty) == ([str(waiting)], [str(done.plan_id)], [])

    def test_a_bad_cursor_is_refused(self, side: ReadSide) -> None:
        with pytest.raises(InvalidCursorError):
            list_plans(side.database, cursor="not-a-cursor")

    def test_paging_never_repeats_or_drops_a_plan_while_plans_are_created(
        self,
        store_url: str,
        store: LibraryEventStore,
        reopen_store: Callable[[LibraryEventStore], LibraryEventStore],
        make_service: Callable[..., PlanService],
        side: ReadSide,
    ) -> None:
        existing = [service_plan(make_service(), index) for index in range(14)]
        side.catch_up()
        writer_store = reopen_store(store)
        writer_side = open_side(store_url, writer_store)
        writer = make_service(on=writer_store)
        written: list[UUID] = []
        stop = threading.Event()

        def write() -> None:
            while not stop.is_set():
                written.append(service_plan(writer, len(written)))
                writer_side.catch_up()

        thread = threading.Thread(target=write)
        thread.start()
        seen: list[dict[str, str]] = []
        try:
            cursor: str | None = None
            while True:
                wait_for_more_plans(written)
                page = list_plans(side.database, limit=3, cursor=cursor)
                seen.extend(page.plans)
                if page.next_cursor is None:
                    break
                cursor = page.next_cursor
        finally:
            stop.set()
            thread.join(timeout=30)
            writer_side.close()

        ids = [plan["id"] for plan in seen]
        keys = [(plan["created_at"], plan["id"]) for plan in seen]
        assert len(ids) == len(set(ids))
        assert {str(plan_id) for plan_id in existing} <= set(ids)
        assert keys == sorted(keys, reverse=True)
        assert len(written) >= 5

    def test_timeline_lists_each_attempt_of_a_step_in_order(
        self, side: ReadSide, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 2}, max_retries=2), step("ok")
        )
        plan = service.run(spec, by="ann")
        side.catch_up()

        flaky = step_timeline(side.database, plan.plan_id, "flaky")
        everything = step_timeline(side.database, plan.plan_id)

        assert [(a["attempt"], a["status"]) for a in flaky] == [
            (1, "failed"),
            (2, "failed"),
            (3, "completed"),
        ]
        assert flaky[0]["error_type"] == "boom"
        assert sorted(a["step_id"] for a in everything) == ["flaky", "flaky", "flaky", "ok"]
        assert [a["started_at"] for a in everything] == sorted(a["started_at"] for a in everything)

    def test_tool_stats_count_outcomes_and_take_percentiles_from_the_attempts(
        self, side: ReadSide, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 1}, max_retries=1),
            *(step(f"r{i}") for i in range(4)),
        )
        service.run(spec, by="ann")
        side.catch_up()

        stats = {item["tool"]: item for item in tool_stats(side.database)}
        attempts = dump(side.database)["step_history"]

        durations = sorted(a.duration_ms for a in attempts if a.tool == "record")
        assert stats["fail"] | {"p50_ms": None, "p95_ms": None} == {
            "tool": "fail",
            "calls": 2,
            "completed": 1,
            "failures": 1,
            "retries": 1,
            "timeouts": 0,
            "p50_ms": None,
            "p95_ms": None,
        }
        assert stats["record"]["calls"] == 4
        assert stats["record"]["p50_ms"] == percentile(durations, 50)
        assert stats["record"]["p95_ms"] == durations[-1]

    def test_audit_trail_export_and_plan_heads(self, side: ReadSide, service: PlanService) -> None:
        plan = service.run(plan_spec(step("a"), require_approval=True), by="ann", approve_as="bob")
        side.catch_up()
        jsonl, table = io.StringIO(), io.StringIO()

        trail = audit_trail(side.database, plan.plan_id)
        lines = export_audit(side.database, jsonl)
        rows = export_audit(side.database, table, form="csv")
        heads = plan_heads(side.database)

        assert [(row["action"], row["actor"]) for row in trail] == [
            ("created", "ann"),
            ("approved", "bob"),
        ]
        assert lines == rows == 2
        assert [json.loads(line) for line in jsonl.getvalue().splitlines()] == trail
        assert [r["action"] for r in csv.DictReader(io.StringIO(table.getvalue()))] == [
            "created",
            "approved",
        ]
        assert heads == {plan.plan_id: (plan.version, plan.head_hash)}


def service_plan(service: PlanService, index: int) -> UUID:
    return service.create_plan({**plan_spec(step("a")), "name": f"plan-{index}"}, by="ann")


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5], 95) == 5
    assert percentile(list(range(1, 101)), 50) == 50
    assert percentile(list(range(1, 101)), 95) == 95


class TestQueriesOnSqlite(SqliteStore, QueryContract):
    pass


@pytest.mark.postgres
class TestQueriesOnPostgres(PostgresStore, QueryContract):
    pass
