"""Inline tools run on the engine's own thread; every other tool on a call thread.

An inline tool (`echo`) returns at once, so handing it to a call thread and back would only
cost a thread switch per step. What it returns, and what the history records, is the same
either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from adapters.tools import builtin_registry
from core.domain.events import StepCompleted
from core.domain.status import PlanStatus, StepStatus
from core.runtime.service import PlanService
from core.runtime.tools import ToolContext, ToolRegistry
from tests.integration.conftest import plan_spec, step
from tests.integration.store_backends import OnMemory


class NoParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")


def thread_name(_: NoParameters, context: ToolContext) -> str:
    return threading.current_thread().name


class TestInlineToolsOnMemory(OnMemory):
    """On the memory store: which thread runs a call does not depend on the store."""

    def test_an_inline_tool_runs_on_the_engine_thread_and_others_on_call_threads(
        self,
        make_service: Callable[..., PlanService],
    ) -> None:
        registry = ToolRegistry()
        registry.register("here", NoParameters, thread_name, inline=True)
        registry.register("there", NoParameters, thread_name)
        service = make_service(tools=registry)

        plan = service.run(
            plan_spec(step("here", tool="here"), step("there", tool="there")), by="alice"
        )

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["here"].result == threading.current_thread().name
        assert plan.steps["there"].result != threading.current_thread().name

    def test_an_inline_outcome_is_recorded_before_a_stopped_run_returns(
        self,
        make_service: Callable[..., PlanService],
    ) -> None:
        """An inline call has ended before the turn that started it is over: a stop asked for
        meanwhile must not leave its outcome unrecorded (a resume would run it again)."""
        stop = threading.Event()

        def stopping(_: NoParameters, context: ToolContext) -> str:
            stop.set()
            return context.step_id

        registry = ToolRegistry()
        registry.register("stopping", NoParameters, stopping, inline=True)
        service = make_service(tools=registry)
        plan_id = service.create_plan(
            plan_spec(
                step("first", tool="stopping"),
                step("second", tool="stopping", depends_on=["first"]),
            ),
            by="alice",
        )

        plan = service.execute(plan_id, stop=stop)

        assert plan.status is PlanStatus.EXECUTING
        assert plan.steps["first"].status is StepStatus.COMPLETED
        assert plan.steps["first"].result == "first"
        assert plan.steps["second"].status is StepStatus.PENDING
        completed = [e for e in service.history(plan_id) if isinstance(e, StepCompleted)]
        assert [event.step_id for event in completed] == ["first"]

    def test_echo_is_inline_and_its_result_is_recorded_as_before(
        self,
        make_service: Callable[..., PlanService],
    ) -> None:
        registry = builtin_registry()
        service = make_service(tools=registry)

        plan = service.run(
            plan_spec(step("a", tool="echo", parameters={"value": {"n": [1, 2]}})), by="alice"
        )

        assert registry["echo"].inline
        assert not registry["shell"].inline
        completed = [e for e in service.history(plan.plan_id) if isinstance(e, StepCompleted)]
        assert [event.result for event in completed] == [{"n": [1, 2]}]
