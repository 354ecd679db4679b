"""Sub-plans on PostgreSQL workers: children are queued plans, and parents never starve them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from core.domain.events import StepStarted, SubPlanFinished
from core.domain.status import PlanStatus

from .conftest import Cli
from .workers import StoreView, WorkerProcess

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DEADLINE_S = 45.0
"""Generous for a loaded two-CPU machine; a deadlock would never finish at all."""


def leaf(step_id: str) -> dict[str, Any]:
    return {"id": step_id, "tool": "shell", "parameters": {"command": ["echo", step_id]}}


def children_of(view: StoreView, plan_id: UUID) -> list[UUID]:
    return [
        step.child_plan_id
        for step in view.plan(plan_id).steps.values()
        if step.child_plan_id is not None
    ]


def test_one_worker_with_one_slot_finishes_three_levels_of_sub_plans(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    initialised.write_spec(
        {
            "description": "level 3",
            "steps": [leaf("bottom")],
            "outputs": {"said": "{{ steps.bottom.result.stdout }}"},
        },
        "level3.yaml",
    )
    initialised.write_spec(
        {
            "description": "level 2",
            "options": {"max_parallel_steps": 1},
            "steps": [
                leaf("before"),
                {"id": "down", "plan": "level3.yaml", "depends_on": ["before"]},
            ],
            "outputs": {"said": "{{ steps.down.result.said }}"},
        },
        "level2.yaml",
    )
    root = initialised.write_spec(
        {
            "description": "level 1",
            "options": {"max_parallel_steps": 1},
            "steps": [
                {"id": "left", "plan": "level2.yaml"},
                {"id": "right", "plan": "level2.yaml"},
                {"id": "after", "depends_on": ["left", "right"], **leaf("after")},
            ],
            "outputs": {"said": "{{ steps.left.result.said }}"},
        },
        "root.yaml",
    )
    submitted = initialised("submit", root)
    assert submitted.exit_code == 0, submitted
    plan_id = UUID(submitted.stdout.strip())

    worker = workers(initialised, "w-only", concurrency=1)
    wait_until(view.all_done, timeout=DEADLINE_S, what="every plan of the tree done")

    assert worker.running, worker.stderr()
    root_plan = view.plan(plan_id)
    assert root_plan.status is PlanStatus.COMPLETED, root_plan.reason
    assert root_plan.outputs == {"said": "bottom\n"}
    middle = children_of(view, plan_id)
    bottom = [grandchild for child in middle for grandchild in children_of(view, child)]
    assert len(middle) == 2
    assert len(bottom) == 2
    tree = [plan_id, *middle, *bottom]
    assert {row[0] for row in view.work_rows()} == set(tree)
    for member in tree:
        history = view.history(member)
        assert view.plan(member).status is PlanStatus.COMPLETED
        assert {e.worker for e in history if isinstance(e, StepStarted)} == {"w-only"}
        assert len([e for e in history if isinstance(e, SubPlanFinished)]) == len(
            children_of(view, member)
        )
    waited = initialised("wait", str(plan_id), "--timeout", "5", "--json")
    assert waited.exit_code == 0, waited


def test_a_tree_whose_worker_is_killed_mid_child_is_finished_by_another_worker(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    wait_for_go = "echo started >> started.txt; while [ ! -f go ]; do sleep 0.05; done"
    bottom = {
        "description": "waits for go",
        "steps": [
            {"id": "hold", "tool": "shell", "parameters": {"command": wait_for_go, "shell": True}}
        ],
    }
    middle = {"description": "middle", "steps": [{"id": "down", "plan": bottom}]}
    root = initialised.write_spec(
        {"description": "root", "steps": [{"id": "mid", "plan": middle}, leaf("beside")]}
    )
    plan_id = UUID(initialised("submit", root).stdout.strip())
    started = initialised.cwd / "started.txt"
    first = workers(initialised, "w-doomed", concurrency=1, lease_s=2.0)
    wait_until(started.exists, timeout=DEADLINE_S, what="the grandchild's step to start")

    first.kill_9()
    (initialised.cwd / "go").touch()
    workers(initialised, "w-heir", concurrency=1, lease_s=2.0)
    wait_until(view.all_done, timeout=DEADLINE_S, what="every plan of the tree done")

    assert view.plan(plan_id).status is PlanStatus.COMPLETED
    [child] = children_of(view, plan_id)
    [grandchild] = children_of(view, child)
    for parent in (plan_id, child):
        reports = [e for e in view.history(parent) if isinstance(e, SubPlanFinished)]
        assert len(reports) == 1
    workers_of_hold = [e.worker for e in view.history(grandchild) if isinstance(e, StepStarted)]
    assert workers_of_hold == ["w-doomed", "w-heir"]
    assert started.read_text().split() == ["started", "started"]
