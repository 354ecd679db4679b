"""What a run leaves in memory does not grow with its events: the engine keeps the folded plan,
never the events it recorded (a 100,000-step plan writes 200,000 of them; bench_memory measures
the process as a whole)."""

from __future__ import annotations

import gc
from pathlib import Path

from adapters.bootstrap import build_service, open_store
from adapters.settings import Settings
from core import PlanEvent, PlanStatus


def live_events() -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, PlanEvent))


def test_a_finished_run_keeps_none_of_the_events_it_recorded(tmp_path: Path) -> None:
    settings = Settings(store_url=f"sqlite:///{tmp_path}/plans.db", actor="test")
    store = open_store(settings)
    spec = {
        "description": "wide",
        "options": {"max_parallel_steps": 8},
        "steps": [{"id": f"s{i}", "tool": "echo", "parameters": {"value": i}} for i in range(300)],
    }
    before = live_events()
    try:
        plan = build_service(settings, store).run(spec, by="test")

        left = live_events() - before
    finally:
        store.close()

    assert plan.status is PlanStatus.COMPLETED
    assert plan.version == 604
    assert left < 10, f"{left} events of 604 are still referenced after the run"
