"""The execution loop: fold, decide, append, run tools on threads, append their outcomes.

It reaches the store through its port and reads and waits on time through the runtime clock,
so a test can drive it. Side effects happen only between two appends: a tool is called after
its `StepStarted` is in the store, and its outcome becomes an event before anything depends on
it. Events that belong together (outcomes, the skips they cause, the starts they unlock) are
appended as one batch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from core.domain.approval_binding import check_trusted
from core.domain.decisions import Outcome, apply_decisions, record_outcome, start_execution
from core.domain.errors import ConcurrencyError
from core.domain.events import (
    PlanEvent,
    StepCancelled,
    StepInterrupted,
    StepStarted,
    StepTimedOut,
    SubPlanStarted,
)
from core.domain.external_steps import is_external
from core.domain.plan import PlanState, evolve, fold
from core.domain.ports import EventStore, Expressions, JsonSchemas
from core.domain.scheduler import Decision, StartStep, decide
from core.domain.status import PlanStatus
from core.domain.sub_plans import child_plan_id, only_waits_on_children, waiting_children
from core.runtime.call_slots import CallSlots
from core.runtime.call_threads import CallThreads
from core.runtime.callbacks import Callbacks
from core.runtime.conflict_retry import retry_on_conflict
from core.runtime.engine_run import ChildLauncher, EngineRun
from core.runtime.large_results import LargeResults
from core.runtime.plan_inputs import PlanInputs
from core.runtime.runtime_clock import RuntimeClock
from core.runtime.secret_calls import call_secrets
from core.runtime.sub_plan_runner import SubPlanRunner
from core.runtime.tool_call import call_tool
from core.runtime.tools import ToolContext, ToolRegistry

CHILD_WIND_DOWN_S = 30.0
"""How long an ended plan waits for its children's threads, which may still read the store."""


class Engine:
    """Drives plans to their end with tools on daemon threads, one plan per `execute` call.

    The scheduler alone bounds how many calls run: a call abandoned after a timeout or a cancel
    may go on (a tool that ignores `cancelled`) and must not hold a slot a pool would cap.
    """

    def __init__(
        self,
        store: EventStore,
        tools: ToolRegistry,
        clock: RuntimeClock,
        *,
        expressions: Expressions,
        json_schemas: JsonSchemas,
        worker: str,
        callbacks: Callbacks,
        poll_interval_s: float,
        inputs: PlanInputs,
        results: LargeResults,
    ) -> None:
        self._store = store
        self._inputs = inputs
        self._results = results
        self.sub_plans = SubPlanRunner(store, clock, json_schemas, inputs, expressions)
        self._expressions = expressions
        self._tools = tools
        self._clock = clock
        self._worker = worker
        self._callbacks = callbacks
        self._poll_interval_s = poll_interval_s

    def execute(
        self,
        plan: PlanState,
        correlation_id: UUID,
        *,
        stop: threading.Event | None = None,
        slots: CallSlots | None = None,
        launch_child: ChildLauncher | None = None,
        leave_when_paused: bool = False,
    ) -> PlanState:
        """Run an approved or executing plan until it ends; return it as it ended.

        Once `stop` is set nothing new starts, and the plan is returned (still executing) as
        soon as the calls in flight have ended. `slots`, shared with other engines, caps the
        calls they run together; a step waiting on its child plan holds none. Without
        `launch_child` the children run here, on their own threads (those a crash left behind
        too); with it, each new child is handed to it (a work queue) and the plan is returned,
        still executing, as soon as it can only wait on them: whoever runs a child reports its
        end to the parent, which is then worth executing again. A paused plan starts nothing
        (not even its execution) and is watched until it is unpaused, or, with
        `leave_when_paused`, returned like a stopped one. A plan whose approval does not cover
        its spec, or that was quarantined, raises `UntrustedHistoryError` and starts nothing.
        """
        run = EngineRun(
            plan,
            correlation_id,
            CallThreads("planledger-tool"),
            stop=stop,
            slots=slots,
            leave_when_paused=leave_when_paused,
        )
        run.launch_child = launch_child
        try:
            if launch_child is None:
                for child_id in waiting_children(plan).values():
                    self._start_child(run, child_id)
            while True:
                check_trusted(run.plan)
                self._turn(run)
                if run.plan.status not in (PlanStatus.EXECUTING, PlanStatus.APPROVED):
                    self.sub_plans.report_to_parent(run.plan, correlation_id)
                    self._let_children_finish(run)
                    return run.plan
                if run.done_for_now and not run.children:
                    return run.plan
                if launch_child and run.idle and only_waits_on_children(run.plan):
                    return run.plan
                if not run.finished:  # an inline call's outcome is recorded at once
                    self._wait(run)
        finally:
            for _, context in run.in_flight.values():
                context.cancelled.set()
            run.threads.shutdown()
            run.child_threads.shutdown()
            if run.slots is not None:  # reserved ones too: an append that raised kept them
                run.slots.give_back(len(run.holding) + run.reserved)

    def _turn(self, run: EngineRun) -> None:
        """Record finished calls and the decisions they lead to; retry on a conflict."""
        retry_on_conflict(run.plan.plan_id, lambda: self._try_turn(run))

    def _try_turn(self, run: EngineRun) -> None:
        """One attempt at a turn; after a lost race the plan is reloaded and the error raised."""
        batch, children = self._next_batch(run, self._clock.now())
        run.check_children = False
        if not batch:
            return
        try:
            self._store.append([*batch, *children])
        except ConcurrencyError:
            self._reload_after_conflict(run, len(batch))
            raise
        run.finished.clear()
        self._after_append(run, batch)
        if run.slots is not None and run.reserved:
            run.slots.give_back(run.reserved)
        run.reserved = 0

    def _next_batch(self, run: EngineRun, now: datetime) -> tuple[list[PlanEvent], list[PlanEvent]]:
        """The plan's next events (applied to `run.plan`), and the child plans' first events."""
        plan = run.plan
        batch: list[PlanEvent] = []
        if plan.status is PlanStatus.APPROVED and not plan.paused:
            batch += _applied(
                plan, start_execution(plan, now=now, correlation_id=run.correlation_id)
            )
        for outcome in run.finished:
            batch += _applied(
                plan, record_outcome(plan, outcome, now=now, correlation_id=run.correlation_id)
            )
        if run.check_children:
            batch += self.sub_plans.finished(plan, run.correlation_id)
        children: list[PlanEvent] = []
        while True:
            schedule = decide(plan, now, self._expressions)
            run.wake_at = schedule.wake_at
            decisions = [self._results.finished(d) for d in _admitted(run, schedule.decisions)]
            if decisions:
                decided = apply_decisions(
                    plan, decisions, now=now, worker=self._worker, correlation_id=run.correlation_id
                )
                batch += _applied(plan, decided)
            started, created = self.sub_plans.start_pending(plan, run.correlation_id)
            batch += started
            children += created
            if not decisions and not started:
                return batch, children

    def _reload_after_conflict(self, run: EngineRun, batch_size: int) -> None:
        """Another writer appended first: give back reserved slots and fold the plan again."""
        if run.slots is not None:
            run.slots.give_back(run.reserved)
        run.reserved = 0
        run.check_children = True
        known = run.plan.version - batch_size
        history = self._store.load(run.plan.plan_id)
        run.plan = fold(history)
        # the other writer's events: stop calls it abandoned, tell the callbacks
        self._after_append(run, [event for event in history if event.version > known])

    def _after_append(self, run: EngineRun, events: Sequence[PlanEvent]) -> None:
        for event in events:
            if isinstance(event, StepStarted) and event.worker == self._worker:
                if _calls_tool(run, event.step_id):
                    self._start_call(run, event)
            elif isinstance(event, StepTimedOut | StepCancelled | StepInterrupted):
                abandoned = run.in_flight.pop((event.step_id, event.attempt), None)
                if abandoned is not None:
                    abandoned[1].cancelled.set()
                    _free_slot(run, (event.step_id, event.attempt))
        self._callbacks.dispatch(events)
        self._follow_children(run, events)

    def _follow_children(self, run: EngineRun, events: Sequence[PlanEvent]) -> None:
        """Run or hand off each new child, and cancel those whose plan step was stopped.

        After the callbacks, so that they see a child's `SubPlanStarted` before its own events.
        """
        for event in events:
            if isinstance(event, SubPlanStarted):
                if run.launch_child is None:
                    self._start_child(run, event.child_plan_id)
                else:
                    run.launch_child(event.child_plan_id)
            elif (
                isinstance(event, StepTimedOut | StepCancelled | StepInterrupted)
                and run.plan.steps[event.step_id].spec.is_sub_plan
            ):
                child = child_plan_id(event.plan_id, event.step_id, event.attempt)
                reason = f"parent plan {event.plan_id} step {event.step_id!r} was stopped"
                self.sub_plans.cancel_tree(child, reason=reason, correlation_id=run.correlation_id)

    def _start_child(self, run: EngineRun, child_id: UUID) -> None:
        """Run a child plan here, on its own thread and without a slot: only its tools take one.

        A child a crash left behind first has its attempts left running recorded (as `resume`).
        """
        if child_id in run.children:
            return
        child = self.sub_plans.recovered(child_id, by=self._worker)
        if child.is_terminal:
            run.check_children = True
            return
        ended = run.child_threads.submit(
            lambda: self.execute(child, run.correlation_id, stop=run.stop, slots=run.slots)
        )
        ended.add_done_callback(run.wake)
        run.children[child_id] = ended

    def _start_call(self, run: EngineRun, event: StepStarted) -> None:
        step = run.plan.steps[event.step_id]
        context = ToolContext(
            plan_id=event.plan_id,
            step_id=event.step_id,
            attempt=event.attempt,
            worker=self._worker,
            timeout_ms=step.timeout_ms,
            traceparent=run.plan.trace.attempt_traceparent(event.step_id, event.attempt),
        )
        secrets = call_secrets(run.plan, event, self._inputs, self._expressions)

        tool = self._tools.get(event.tool)

        def call() -> Outcome:
            return call_tool(tool, self._clock, event, context, secrets, self._results)

        if tool is not None and tool.inline:
            # it ends here, never in flight: its reserved slot is given back with the turn's others
            run.finished.append(call())
            return
        future = run.threads.submit(call)
        future.add_done_callback(run.wake)
        run.in_flight[(event.step_id, event.attempt)] = (future, context)
        if run.slots is not None and run.reserved > 0:
            run.reserved -= 1
            run.holding.add((event.step_id, event.attempt))

    def _wait(self, run: EngineRun) -> None:
        """Sleep until a call ends, something falls due, or it is time to look for other writers.

        A call or child that ends sets `run.wakeup` (a done-callback); it is cleared before the
        futures are looked at, so one that ends meanwhile wakes the next wait at once.
        """
        timeout = self._poll_interval_s
        if run.wake_at is not None:
            due_in = (run.wake_at - self._clock.now()).total_seconds()
            timeout = max(0.0, min(timeout, due_in))
        self._clock.wait(run.wakeup, timeout)
        run.wakeup.clear()
        for key, (future, _) in list(run.in_flight.items()):
            if future.done():
                run.finished.append(future.result())
                del run.in_flight[key]
                _free_slot(run, key)
        for child_id, ended in list(run.children.items()):
            if ended.done():
                del run.children[child_id]
                ended.result()  # a child engine's own failure (a lost store) is this run's too
                run.check_children = True
        if not run.finished:
            foreign = self._store.load(run.plan.plan_id, after_version=run.plan.version)
            if foreign:
                _applied(run.plan, foreign)
                self._after_append(run, foreign)

    def _let_children_finish(self, run: EngineRun) -> None:
        """A caller may close the store once `execute` returns: no child thread may still use it.

        The wait is bounded (`CHILD_WIND_DOWN_S` of clock time): a child stuck in a tool that
        ignores its cancellation must not hold its parent's caller forever.
        """
        deadline = self._clock.now() + timedelta(seconds=CHILD_WIND_DOWN_S)
        while True:
            run.wakeup.clear()
            if all(child.done() for child in run.children.values()):
                return
            left = (deadline - self._clock.now()).total_seconds()
            if left <= 0:
                return
            self._clock.wait(run.wakeup, left)


def _admitted(run: EngineRun, decisions: Sequence[Decision]) -> list[Decision]:
    """The decisions to apply now: no start once stopping, and no tool start without a free slot.

    A plan step needs no slot: it calls no tool, and its child's tools take their own; nor does
    an external step, which someone outside carries out.
    """
    if run.stopping:
        decisions = [
            decision
            for decision in decisions
            if not isinstance(decision, StartStep) or _calls_tool(run, decision.step_id)
        ]
    starts = [
        decision
        for decision in decisions
        if isinstance(decision, StartStep) and _calls_tool(run, decision.step_id)
    ]
    if not starts or (run.slots is None and not run.stopping):
        return list(decisions)
    allowed = 0 if run.stopping else run.slots.take(len(starts)) if run.slots else 0
    run.reserved += allowed
    dropped = {id(start) for start in starts[allowed:]}
    return [decision for decision in decisions if id(decision) not in dropped]


def _calls_tool(run: EngineRun, step_id: str) -> bool:
    """False for a plan step and an external step: carried out elsewhere, they take no slot."""
    spec = run.plan.steps[step_id].spec
    return not spec.is_sub_plan and not is_external(spec)


def _free_slot(run: EngineRun, key: tuple[str, int]) -> None:
    if run.slots is not None and key in run.holding:
        run.holding.discard(key)
        run.slots.give_back()


def _applied(plan: PlanState, events: Sequence[PlanEvent]) -> list[PlanEvent]:
    for event in events:
        evolve(plan, event)
    return list(events)
