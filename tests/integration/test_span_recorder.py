"""Spans of attempts a crash left running: the process that resumes the plan reports them."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from adapters.bootstrap import open_store, planledger
from adapters.expressions import JinjaExpressions
from adapters.settings import Settings
from adapters.system_clock import RandomIds, SystemClock
from adapters.telemetry import Telemetry
from adapters.telemetry.trace_exporter import OtelSpanExport
from core.domain.decisions import apply_decisions, start_execution
from core.domain.plan import fold
from core.domain.scheduler import decide

SPEC = {
    "description": "two attempts left running by a dead engine",
    "options": {"continue_on_error": True},
    "steps": [
        {"id": "fetch", "tool": "echo", "parameters": {"value": 1}},
        {"id": "charge", "tool": "echo", "parameters": {"value": 2}, "idempotent": False},
    ],
}


def test_attempts_left_running_by_a_crash_end_as_interrupted_spans_of_the_resumer(
    tmp_path: Path,
) -> None:
    settings = Settings(store_url=f"sqlite:///{tmp_path / 'x.db'}")
    with planledger(settings) as service:
        plan_id = service.create_plan(SPEC, by="test")
    store = open_store(settings)
    try:
        clock, ids = SystemClock(), RandomIds()
        plan = fold(store.load(plan_id))
        store.append(start_execution(plan, now=clock.now(), correlation_id=ids.new_id()))
        plan = fold(store.load(plan_id))
        decisions = decide(plan, clock.now(), JinjaExpressions()).decisions
        store.append(
            apply_decisions(
                plan, decisions, now=clock.now(), worker="dead", correlation_id=ids.new_id()
            )
        )
    finally:
        store.close()
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(OtelSpanExport(SimpleSpanProcessor(exporter)))

    with planledger(settings, telemetry=telemetry) as service:
        service.resume(plan_id, by="second")
    telemetry.close()

    spans = {
        (span.name, (span.attributes or {}).get("planledger.step.attempt")): span
        for span in exporter.get_finished_spans()
    }
    fetch_1, charge_1 = spans["step fetch", 1], spans["step charge", 1]
    assert (fetch_1.attributes or {})["planledger.outcome"] == "interrupted"
    assert (fetch_1.attributes or {})["planledger.worker"] == "dead"
    assert (spans["step fetch", 2].attributes or {})["planledger.outcome"] == "completed"
    assert (charge_1.attributes or {})["error.type"] == "interrupted"
    assert ("step charge", 2) not in spans
    assert (spans["plan two attempts left running by a dead engine", None].events[-1].name) == (
        "resumed"
    )
