"""The engine, given the same inputs, writes the same bytes it wrote when the fixture was made.

`produced/fixed_inputs.jsonl` holds the rows (topic and JSON state, hashes included) that the
service wrote for one plan with a frozen clock, counted ids and one call at a time. Running the
same scenario again must write them byte for byte: a faster hot path (serialising an event
once, building it without re-validation) may not change what is stored or hashed. Never edit
the fixture to make this pass.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import orjson
from pydantic import BaseModel, ConfigDict

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.store import open_event_store, parse_store_url
from adapters.tools import builtin_registry
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from core.runtime.tools import ToolContext

FIXTURE = Path(__file__).parent / "produced" / "fixed_inputs.jsonl"
T0 = datetime(2026, 12, 2, 21, 0, 0, 123456, tzinfo=UTC)

SPEC = {
    "name": "fixed inputs",
    "description": "every common event, from inputs that never change",
    "options": {"max_parallel_steps": 1, "continue_on_error": True},
    "steps": [
        {"id": "a", "tool": "echo", "parameters": {"value": {"n": 3, "text": 'é ✓ "q"'}}},
        {
            "id": "b",
            "tool": "echo",
            "depends_on": ["a"],
            "parameters": {"value": "qa-{{ steps.a.result.n }}"},
        },
        {"id": "c", "tool": "boom", "depends_on": ["a"], "max_retries": 1},
        {"id": "d", "tool": "echo", "depends_on": ["c"], "parameters": {"value": 1}},
        {
            "id": "e",
            "tool": "echo",
            "depends_on": ["b"],
            "when": "steps.a.result.n > 5",
            "parameters": {"value": 2},
        },
        {"id": "f", "tool": "echo", "depends_on": ["b"], "parameters": {"value": [1.5, None]}},
    ],
}


class FrozenClock:
    """Always `T0`; waits take real time, so calls on threads still end."""

    def now(self) -> datetime:
        return T0

    def wait(self, wakeup: threading.Event, timeout_s: float) -> bool:
        return wakeup.wait(max(0.0, min(timeout_s, 0.05)))


class CountedIds:
    """UUID(int=1), UUID(int=2), ... in the order they are asked for."""

    def __init__(self) -> None:
        self.count = 0

    def new_id(self) -> UUID:
        self.count += 1
        return UUID(int=self.count)


class BoomParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def boom(params: BoomParameters, context: ToolContext) -> None:
    raise RuntimeError(f"boom on attempt {context.attempt}")


def produced_rows() -> list[bytes]:
    """The scenario's stored rows, one JSON line each, as the fixture holds them."""
    tools = builtin_registry()
    tools.register("boom", BoomParameters, boom, "Always fails.")
    store = open_event_store(parse_store_url("memory://"))
    service = PlanService(
        store,
        tools,
        FrozenClock(),
        CountedIds(),
        expressions=JinjaExpressions(),
        json_schemas=JsonSchemaChecker(),
        worker="recorder",
    )
    plan = service.execute(service.create_plan(SPEC, by="alice"))
    assert plan.status is PlanStatus.PARTIAL, plan.status
    rows = store.application.recorder.select_events(plan.plan_id)
    return [
        orjson.dumps(
            {
                "originator_id": str(row.originator_id),
                "originator_version": row.originator_version,
                "topic": row.topic,
                "state": row.state.decode(),  # the stored bytes themselves
            }
        )
        for row in rows
    ]


def test_the_same_inputs_produce_the_recorded_rows_and_hashes_byte_for_byte() -> None:
    recorded = FIXTURE.read_bytes().splitlines()

    produced = produced_rows()

    assert len(produced) == len(recorded)
    for mine, theirs in zip(produced, recorded, strict=True):
        assert mine == theirs
    hashes = [orjson.loads(orjson.loads(line)["state"])["hash"] for line in recorded]
    assert all(value.startswith("sha256:") for value in hashes)
