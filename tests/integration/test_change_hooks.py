"""Change hooks see every change to a plan, whoever makes it: not only execution events."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import open_event_store, parse_store_url
from core.domain.events import PlanEvent
from core.runtime.change_hooks import ChangeHooks
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, SystemClock, ToolBench, plan_spec, step


def test_hooks_see_creation_revision_approval_and_state_changes_until_removed(
    tmp_path: Path,
) -> None:
    store = open_event_store(parse_store_url(f"sqlite:///{tmp_path / 'hooks.db'}"))
    hooks = ChangeHooks()
    screen: list[str] = []
    audit: list[int] = []

    def draw(events: Sequence[PlanEvent]) -> None:
        screen.extend(type(event).__name__ for event in events)

    hooks.register("screen", draw)
    hooks.register("count", lambda events: audit.append(len(events)))
    service = PlanService(
        hooks.watch(store),
        ToolBench().registry(),
        SystemClock(),
        RandomIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="w",
    )
    try:
        plan_id = service.create_plan(plan_spec(step("a"), require_approval=True), by="ann")
        service.add_step(plan_id, step("b", depends_on=["a"]), by="ann", reason="more")
        service.approve(plan_id, by="bob")
        hooks.remove("count")
        service.execute(plan_id)
        with pytest.raises(KeyError):
            hooks.remove("count")
    finally:
        store.close()

    assert screen[:4] == ["PlanCreated", "PlanSubmitted", "StepAdded", "PlanApproved"]
    assert "StepCompleted" in screen
    assert screen[-1] == "PlanCompleted"
    assert audit == [2, 1, 1]
    assert hooks.names == ["screen"]
