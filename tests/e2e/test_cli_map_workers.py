"""A map expanded by a worker that is killed mid-way is finished by another (PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from core.domain.events import (
    PlanResumed,
    StepCompleted,
    StepInterrupted,
    StepsExpanded,
    StepStarted,
)
from core.domain.status import PlanStatus

from .conftest import Cli
from .workers import StoreView, WorkerProcess, iter_lines, spec

ITEMS = 120
EFFECTS = "effects.log"


@pytest.mark.slow
@pytest.mark.postgres
def test_a_map_taken_over_from_a_killed_worker_never_reruns_a_finished_item(
    initialised: Cli,
    view: StoreView,
    workers: Callable[..., WorkerProcess],
    wait_until: Any,
) -> None:
    mapped = {
        "id": "map",
        "tool": "shell",
        "for_each": "{{ plan.inputs.numbers }}",
        "parameters": {"command": f"echo {{{{ item }}}} >> {EFFECTS}; sleep 0.05", "shell": True},
    }
    path = initialised.write_spec(spec(mapped, max_parallel_steps=4))
    (initialised.cwd / "inputs.json").write_text(f'{{"numbers": {list(range(ITEMS))}}}')
    plan_id = initialised("submit", path, "--inputs-file", "inputs.json").stdout.strip()
    doomed = workers(initialised, "w-doomed", lease_s=2.0, concurrency=4)
    wait_until(
        lambda: len(list(iter_lines(initialised.cwd / EFFECTS))) >= ITEMS // 4,
        timeout=60,
        what="a quarter of the items done on the first worker",
    )

    doomed.kill_9()
    workers(initialised, "w-heir", lease_s=2.0, concurrency=4)
    wait_until(view.all_done, timeout=60, what="the map taken over and finished")

    history = view.history(plan_id)
    assert view.plan(plan_id).status is PlanStatus.COMPLETED
    [resumed] = [e for e in history if isinstance(e, PlanResumed)]
    [expanded] = [e for e in history if isinstance(e, StepsExpanded)]
    assert expanded.version < resumed.version
    assert resumed.by == "w-heir"
    interrupted = {e.step_id for e in history if isinstance(e, StepInterrupted)}
    assert interrupted == set(resumed.interrupted_steps)
    completions = Counter(e.step_id for e in history if isinstance(e, StepCompleted))
    assert len(completions) == ITEMS
    assert set(completions.values()) == {1}
    done_before = {
        e.step_id for e in history if isinstance(e, StepCompleted) and e.version < resumed.version
    }
    starts = Counter(e.step_id for e in history if isinstance(e, StepStarted))
    assert done_before
    assert all(starts[step_id] == 1 for step_id in done_before)
    heir_starts = {
        e.step_id for e in history if isinstance(e, StepStarted) and e.worker == "w-heir"
    }
    assert heir_starts
    assert not heir_starts & done_before
    effects = Counter(int(line) for line in iter_lines(initialised.cwd / EFFECTS))
    assert set(effects) == set(range(ITEMS))
    assert {f"map[{n}]" for n, count in effects.items() if count > 1} <= interrupted
