"""One poison plan among ordinary ones: the fleet goes on, only the poison's steps fail.

Before, a template that builds gigabytes (`replace`, `join`, `tojson(indent=…)` on
long strings) killed every engine that picked its plan up with a `MemoryError`; now each such
step fails with `parameter_error` before anything is built, and the workers never notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from adapters.bootstrap import planledger, work_queue
from adapters.settings import Settings
from adapters.workers import submit
from core.domain.events import StepPreparationFailed
from core.domain.status import PlanStatus, StepStatus

from .conftest import Cli
from .workers import StoreView, WorkerProcess, spec

pytestmark = pytest.mark.slow

BOMBS = {
    "replace": "{{ ('a' * 1000).replace('a', 'b' * 100000) }}",
    "join": "{{ ('a' * 1000) | join('b' * 100000) }}",
    "indent": "{{ [[[[1]]]] | tojson(indent=100000) }}",
    "concat": "{{ " + " ~ ".join(["('x' * 99999)"] * 40) + " }}",
}
"""Memory bombs from the issue (each once needed from 100 MB to 10 GB), one step each."""


@pytest.mark.postgres
def test_a_memory_bomb_plan_fails_its_steps_while_twenty_ordinary_plans_complete(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    settings = Settings(store_url=initialised.store, actor="tester")
    echo = "{{ steps.a.result }}"
    ordinary = spec(
        {"id": "a", "tool": "echo", "parameters": {"value": "{{ 'x' * 10 }}"}},
        {"id": "b", "tool": "echo", "parameters": {"value": echo}, "depends_on": ["a"]},
    )
    bomb_steps = [
        {"id": name, "tool": "echo", "parameters": {"value": bomb}} for name, bomb in BOMBS.items()
    ]
    poison = spec(*bomb_steps, continue_on_error=True)
    with (
        work_queue(settings, "submit") as queue,
        planledger(settings, create_tables=False) as service,
    ):

        def queued(document: dict[str, Any]) -> uuid.UUID:
            return submit(
                service, queue, document, by="t", key=None, approve_as=None, new_id=uuid.uuid4()
            )

        first_ten = [queued(ordinary) for _ in range(10)]
        bomb = queued(poison)
        plan_ids = first_ten + [queued(ordinary) for _ in range(10)]
    first = workers(initialised, "w-a", lease_s=2.0)
    second = workers(initialised, "w-b", lease_s=2.0)

    wait_until(view.all_done, timeout=120, what="every plan done")

    assert first.running, first.stderr()
    assert second.running, second.stderr()
    assert [view.plan(plan_id).status for plan_id in plan_ids] == [PlanStatus.COMPLETED] * 20
    poisoned = view.plan(bomb)
    assert poisoned.status is PlanStatus.FAILED
    assert {step_id: step.status for step_id, step in poisoned.steps.items()} == dict.fromkeys(
        BOMBS, StepStatus.FAILED
    )
    failures = [e for e in view.history(bomb) if isinstance(e, StepPreparationFailed)]
    assert {(e.step_id, e.error_type) for e in failures} == {
        (name, "parameter_error") for name in BOMBS
    }
    assert all("would build more than" in e.message or "renders to more than" in e.message
               or "wider than" in e.message for e in failures)  # fmt: skip
