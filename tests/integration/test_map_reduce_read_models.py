"""Map-reduce histories in the read models, time travel and the audit chain (SQLite, PostgreSQL)."""

from __future__ import annotations

from uuid import UUID

from adapters.audit.verifier import verify_store
from adapters.read_models import ReadSide, show_plan, step_timeline
from adapters.store import LibraryEventStore
from adapters.time_travel import PointInHistory, state_at
from core.domain.events import StepsExpanded, StepsGathered
from core.domain.plan_view import plan_view
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step
from tests.integration.test_read_models import PostgresStore, ReadSideFixtures, SqliteStore, dump


def map_plans(service: PlanService) -> list[UUID]:
    """A completed map, a partial one with a retried and a failed item, an empty one."""
    items = {"items": [0, 1, 2]}
    completed = plan_spec(
        step("map", for_each="{{ plan.inputs['items'] }}", parameters={"value": "v{{ item }}"}),
        step(
            "reduce", depends_on=["map"], parameters={"value": "{{ steps.map.result | length }}x"}
        ),
        max_parallel_steps=2,
    )
    partial = plan_spec(
        step("map", "fail", for_each="{{ plan.inputs['items'] }}", max_retries=1,
             parameters={"times": "{{ item }}"}),
        step("after", depends_on=["map"], trigger="all_done"),
        continue_on_error=True,
    )  # fmt: skip
    empty = plan_spec(step("map", for_each="{{ [] }}"), step("after", depends_on=["map"]))
    return [
        service.run(completed, by="alice", inputs=items).plan_id,
        service.run(partial, by="alice", inputs=items).plan_id,
        service.run(empty, by="alice").plan_id,
    ]


class MapReadModelContract(ReadSideFixtures):
    """Children are steps in every view; the views rebuild to the same rows."""

    def test_plans_show_says_what_status_says_and_a_rebuild_gives_the_same_rows(
        self, side: ReadSide, service: PlanService
    ) -> None:
        ids = map_plans(service)

        side.catch_up()
        incremental = dump(side.database)
        side.rebuild()

        assert dump(side.database) == incremental
        for plan_id in ids:
            assert show_plan(side.database, plan_id) == plan_view(service.get_plan(plan_id))
        summary = show_plan(side.database, ids[0])["summary"]
        assert (summary["total_steps"], summary["completed"]) == (5, 5)

    def test_the_step_history_has_one_row_per_item_attempt(
        self, side: ReadSide, service: PlanService
    ) -> None:
        partial = map_plans(service)[1]

        side.catch_up()

        attempts = [(row["step_id"], row["attempt"], row["status"]) for row in step_timeline(
            side.database, partial) if str(row["step_id"]).startswith("map")]  # fmt: skip
        assert sorted(attempts) == [
            ("map[0]", 1, "completed"),
            ("map[1]", 1, "failed"),
            ("map[1]", 2, "completed"),
            ("map[2]", 1, "failed"),
            ("map[2]", 2, "failed"),
        ]

    def test_time_travel_and_the_audit_chain_work_on_map_histories(
        self, service: PlanService, store: LibraryEventStore
    ) -> None:
        plan_id = map_plans(service)[0]
        history = service.history(plan_id)
        expanded = next(e.version for e in history if isinstance(e, StepsExpanded))
        gathered = next(e.version for e in history if isinstance(e, StepsGathered))

        at_expansion = state_at(store, plan_id, PointInHistory(version=expanded))
        at_gathering = state_at(store, plan_id, PointInHistory(version=gathered))

        assert at_expansion.status is PlanStatus.EXECUTING
        assert [at_expansion.steps[f"map[{i}]"].item for i in range(3)] == [0, 1, 2]
        assert at_gathering.steps["map"].result == [
            {"value": f"v{i}", "step": f"map[{i}]"} for i in range(3)
        ]
        assert verify_store(store).verified


class TestMapReadModelsOnSqlite(SqliteStore, MapReadModelContract):
    pass


class TestMapReadModelsOnPostgres(PostgresStore, MapReadModelContract):
    pass
