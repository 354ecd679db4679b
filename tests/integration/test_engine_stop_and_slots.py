"""What a worker asks of the engine: stop starting steps, share a cap on tool calls, recover.

On the in-memory store: these are properties of the engine and the service, not of a database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.domain.events import PlanResumed, StepCompleted, StepFailed, StepInterrupted
from core.domain.status import PlanStatus, StepStatus
from core.runtime.call_slots import CallSlots
from core.runtime.service import PlanService
from tests.integration.conftest import ToolBench, plan_spec, step, wait_until


@pytest.fixture
def store_url() -> str:
    return "memory://"


def test_a_stopped_run_starts_nothing_new_and_returns_when_its_call_ends(
    service: PlanService, bench: ToolBench
) -> None:
    plan_id = service.create_plan(
        plan_spec(
            step("first", tool="block", parameters={"gate": "go"}),
            step("second", depends_on=["first"]),
        ),
        by="alice",
    )
    stop = threading.Event()

    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(service.execute, plan_id, stop=stop)
        wait_until(lambda: bench.has_started("first"), what="the first step")
        stop.set()
        bench.gate("go").set()
        plan = running.result(timeout=10)

    assert plan.status is PlanStatus.EXECUTING
    assert plan.steps["first"].status is StepStatus.COMPLETED
    assert plan.steps["second"].status is StepStatus.PENDING
    assert not bench.has_started("second")


def test_shared_slots_cap_the_tool_calls_of_every_engine_that_shares_them(
    make_service: Callable[..., PlanService], bench: ToolBench
) -> None:
    slots = CallSlots(2)
    services = [make_service(worker=name) for name in ("w-1", "w-2")]
    wide = plan_spec(
        *(step(f"s{index}", tool="hold", parameters={"hold_ms": 40}) for index in range(4)),
        max_parallel_steps=4,
    )
    plan_ids = [service.create_plan(wide, by="alice") for service in services]

    with ThreadPoolExecutor(2) as pool:
        ended = list(
            pool.map(
                lambda pair: pair[0].execute(pair[1], slots=slots),
                zip(services, plan_ids, strict=True),
                timeout=30,
            )
        )

    assert [plan.status for plan in ended] == [PlanStatus.COMPLETED, PlanStatus.COMPLETED]
    assert bench.max_concurrent == 2
    assert slots.in_use == 0


def test_recover_ends_attempts_left_running_naming_the_worker_that_started_them(
    make_service: Callable[..., PlanService], bench: ToolBench
) -> None:
    gone = make_service(worker="w-gone")
    heir = make_service(worker="w-heir")
    plan_id = gone.create_plan(
        plan_spec(
            step("again", tool="block", parameters={"gate": "never", "max_wait_ms": 3000}),
            step(
                "once",
                tool="block",
                idempotent=False,
                parameters={"gate": "never", "max_wait_ms": 3000},
            ),
        ),
        by="alice",
    )
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(gone.execute, plan_id)
        wait_until(
            lambda: bench.has_started("again") and bench.has_started("once"), what="both steps"
        )

        plan = heir.recover(plan_id, by="w-heir")
        unchanged = heir.recover(plan_id, by="w-heir")
        bench.open_every_gate()
        running.result(timeout=10)

    history = heir.history(plan_id)
    [resumed] = [event for event in history if isinstance(event, PlanResumed)]
    [interrupted] = [event for event in history if isinstance(event, StepInterrupted)]
    failed = [e for e in history if isinstance(e, StepFailed) and e.step_id == "once"]
    assert resumed.by == "w-heir"
    assert set(resumed.interrupted_steps) == {"again", "once"}
    assert (interrupted.step_id, interrupted.worker) == ("again", "w-gone")
    assert failed[0].error_type == "interrupted"
    assert "w-gone" in failed[0].message
    assert plan.steps["once"].status is StepStatus.FAILED
    assert unchanged.version == plan.version
    assert not any(isinstance(e, StepCompleted) and e.attempt == 1 for e in history)
