"""Any JSON value a step can produce is stored in every read model, on SQLite and PostgreSQL.

PostgreSQL stores no NUL in `text` or `jsonb`: a result like `printf 'a\\000b'` once stopped the
read models for good. Such values now go through every projection, read back unchanged, and
survive a rebuild; text that is not Unicode at all (a lone surrogate) fails its step instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.read_models import ReadSide, list_plans, plan_data, show_plan
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.tools import builtin_registry
from core import JsonValue, PlanStatus, ToolContext, ToolFailedError
from core.domain.events import PlanSubmitted, StepFailed
from core.runtime.service import PlanService
from projections import PROJECTIONS
from tests.integration.conftest import RandomIds, SystemClock
from tests.integration.store_backends import OnPostgres
from tests.integration.test_read_models import Sabotaged, dump, open_side, raising

ODD = "a\x00b \U0010ffff c\x00"
"""A NUL, and the escape character the PostgreSQL encoding uses, to prove it is reversible."""


class OddParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str


def odd_tool(params: OddParams, context: ToolContext) -> JsonValue:
    if params.kind == "fail":
        raise ToolFailedError("odd\x00type", f"failed with {ODD}", details={ODD: [ODD]})
    if params.kind == "surrogate":
        return {"text": "\ud800"}
    return {"text": ODD, ODD: {"nested": [ODD, 1]}}


def odd_service(store: LibraryEventStore) -> PlanService:
    tools = builtin_registry(["echo"])
    tools.register("odd", OddParams, odd_tool)
    return PlanService(
        store,
        tools,
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="w-1",
        poll_interval_s=0.02,
    )


ODD_SPEC = {
    "description": f"odd values {ODD}",
    "inputs_schema": {"type": "object"},
    "options": {"continue_on_error": True},
    "steps": [
        {"id": "result", "tool": "odd", "parameters": {"kind": "value"}},
        {"id": "failure", "tool": "odd", "parameters": {"kind": "fail"}},
        {"id": "echo", "tool": "echo", "parameters": {"value": f"{ODD}"}},
    ],
    "outputs": {"text": "{{ steps.result.result.text }}"},
}


class OddValuesContract:
    @pytest.fixture
    def side(self, store_url: str, store: LibraryEventStore) -> Iterator[ReadSide]:
        opened = open_side(store_url, store)
        yield opened
        opened.close()

    def test_a_nul_anywhere_goes_through_every_projection_and_reads_back_unchanged(
        self, store: LibraryEventStore, side: ReadSide
    ) -> None:
        service = odd_service(store)
        odd = service.run(ODD_SPEC, by=f"odd{ODD}", inputs={ODD: ODD})
        later = service.run(
            {"description": "a later plan", "steps": [ODD_SPEC["steps"][2]]}, by="b"
        )

        reports = side.catch_up()

        assert [report.failure for report in reports] == [None] * len(reports)
        shown = show_plan(side.database, odd.plan_id)
        steps = {step["id"]: step for step in shown["steps"]}
        assert steps["result"]["result"] == {"text": ODD, ODD: {"nested": [ODD, 1]}}
        assert steps["echo"]["result"] == ODD
        assert ODD in (steps["failure"]["error"] or {}).get("message", "")
        assert plan_data(side.database, odd.plan_id) == {
            "inputs": {ODD: ODD},
            "outputs": {"text": ODD},
        }
        listed = {plan["id"]: plan for plan in list_plans(side.database).plans}
        assert set(listed) >= {str(odd.plan_id), str(later.plan_id)}
        assert listed[str(odd.plan_id)]["description"] == f"odd values {ODD}"

    def test_a_rebuild_over_odd_values_gives_the_same_rows(
        self, store: LibraryEventStore, side: ReadSide
    ) -> None:
        odd_service(store).run(ODD_SPEC, by="a", inputs={ODD: ODD})
        side.catch_up()
        before = dump(side.database)

        reports = side.rebuild()

        assert [report.failure for report in reports] == [None] * len(reports)
        assert dump(side.database) == before

    def test_a_lone_surrogate_in_a_result_fails_the_step_and_the_engine_goes_on(
        self, store: LibraryEventStore, side: ReadSide
    ) -> None:
        service = odd_service(store)

        surrogate = {"id": "s", "tool": "odd", "parameters": {"kind": "surrogate"}}

        plan = service.run({"description": "bad text", "steps": [surrogate]}, by="a")

        assert plan.status is PlanStatus.FAILED
        [failed] = [e for e in service.history(plan.plan_id) if isinstance(e, StepFailed)]
        assert failed.error_type == "invalid_result"
        assert "lone surrogate" in failed.message
        assert [report.failure for report in side.catch_up()] == [None] * len(PROJECTIONS)


class TestOnSqlite(OddValuesContract):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'odd.db'}"


@pytest.mark.postgres
class TestOnPostgres(OnPostgres, OddValuesContract):
    """On PostgreSQL, in a fresh schema."""


def test_a_projection_error_is_recorded_naming_the_plan_and_the_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    store = open_event_store(parse_store_url(url))
    plan = odd_service(store).run({"description": "one", "steps": [ODD_SPEC["steps"][2]]}, by="a")
    summary = next(p for p in PROJECTIONS if p.name == "plan_summary")
    broken = Sabotaged(
        summary, lambda event, calls: isinstance(event, PlanSubmitted), raising(ValueError("no"))
    )
    side = open_side(url, store, [broken])
    try:
        [report] = side.catch_up()
        [status] = side.status()
        [again] = side.catch_up()
    finally:
        side.close()
        store.close()

    assert report.failure is not None
    assert status["failed_position"] == report.failure.position
    assert status["last_error"] == f"PlanSubmitted of plan {plan.plan_id}: ValueError: no"
    assert again.failure is not None  # retried from that event, never skipped
    assert again.position == report.position
