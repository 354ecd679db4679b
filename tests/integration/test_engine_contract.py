"""The engine's contract, run against every store backend: memory, a SQLite file, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from adapters.expressions import JinjaExpressions
from adapters.store import LibraryEventStore
from core.domain.approval_binding import quarantine
from core.domain.decisions import Outcome, apply_decisions, record_outcome, start_execution
from core.domain.errors import ConcurrencyError, PlanNotFoundError
from core.domain.events import (
    ENGINE_ACTOR,
    EVENT_TYPES,
    PlanApproved,
    PlanCompleted,
    PlanEvent,
    PlanRejected,
    PlanResumed,
    StepCancelled,
    StepCompleted,
    StepFailed,
    StepInterrupted,
    StepSkipped,
    StepStarted,
    StepTimedOut,
)
from core.domain.plan import PlanState, evolve, fold
from core.domain.ports import EventStore
from core.domain.scheduler import TimeOutStep, decide
from core.domain.status import PlanStatus, StepStatus
from core.runtime.callbacks import Callbacks
from core.runtime.service import PlanService
from tests.integration.conftest import (
    RandomIds,
    SystemClock,
    ToolBench,
    plan_spec,
    step,
    wait_until,
)
from tests.integration.notebook_scenarios import every_notebook_call, generated_plan

E = TypeVar("E", bound=PlanEvent)
MakeService = Callable[..., PlanService]


def events_of(history: Sequence[PlanEvent], kind: type[E], step_id: str | None = None) -> list[E]:
    """The events of one type, optionally of one step, in recorded order."""
    return [
        event
        for event in history
        if isinstance(event, kind)
        and (step_id is None or getattr(event, "step_id", None) == step_id)
    ]


def position(history: Sequence[PlanEvent], kind: type[PlanEvent], step_id: str) -> int:
    """Where the first event of this type for this step is in the history."""
    for index, event in enumerate(history):
        if isinstance(event, kind) and getattr(event, "step_id", None) == step_id:
            return index
    raise AssertionError(f"no {kind.__name__} for step {step_id!r}")


def most_running_at_once(history: Sequence[PlanEvent]) -> int:
    """The most steps the recorded history shows running at the same time."""
    running = most = 0
    for event in history:
        if isinstance(event, StepStarted):
            running += 1
            most = max(most, running)
        elif isinstance(event, StepCompleted | StepFailed | StepTimedOut | StepCancelled):
            running -= 1
    return most


def crash_while_running(
    service: PlanService,
    store: EventStore,
    plan_id: UUID,
    clock: SystemClock,
    completed: Sequence[str] = (),
) -> list[str]:
    """Record what a worker that died mid-run leaves behind; return the steps it left running.

    The dead worker started the plan, completed the steps named in `completed` and started what
    became ready. No tool is called: the events are decided and appended directly.
    """
    plan = service.get_plan(plan_id)
    now = clock.now()
    correlation_id = uuid.uuid4()
    events = applied(plan, start_execution(plan, now=now, correlation_id=correlation_id))
    while True:
        decisions = decide(plan, now, JinjaExpressions()).decisions
        events += applied(
            plan,
            apply_decisions(
                plan, decisions, now=now, worker="w-dead", correlation_id=correlation_id
            ),
        )
        finished = [step_id for step_id in plan.running if step_id in completed]
        if not finished:
            break
        for step_id in finished:
            outcome = Outcome(step_id, plan.steps[step_id].attempt, 1, result={"run": "earlier"})
            events += applied(
                plan, record_outcome(plan, outcome, now=now, correlation_id=correlation_id)
            )
    store.append(events)
    return list(plan.running)


def applied(plan: PlanState, events: list[PlanEvent]) -> list[PlanEvent]:
    """Fold `events` into `plan` and return them."""
    for event in events:
        evolve(plan, event)
    return events


def in_background(function: Callable[[], Any]) -> Future[Any]:
    """Run `function` on another thread; return its future (the pool shuts down with it)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-background")
    future = pool.submit(function)
    pool.shutdown(wait=False)
    return future


class RecordingStore:
    """The store port, keeping every event appended through it."""

    def __init__(self, store: LibraryEventStore) -> None:
        self.store = store
        self.appended: list[PlanEvent] = []

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self.store.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        self.store.append(events)
        self.appended.extend(events)


class InterferingStore(RecordingStore):
    """Runs `do` once, just before the first append that holds the named step's event."""

    def __init__(
        self,
        store: LibraryEventStore,
        *,
        before: tuple[str, type[PlanEvent]],
        do: Callable[[Sequence[PlanEvent]], None],
    ) -> None:
        super().__init__(store)
        self.before = before
        self.do = do
        self.interfered = False

    def append(self, events: Sequence[PlanEvent]) -> None:
        step_id, kind = self.before
        hit = any(isinstance(e, kind) and getattr(e, "step_id", None) == step_id for e in events)
        if hit and not self.interfered:
            self.interfered = True
            self.do(events)
        super().append(events)


def run_one_plan_of_each_kind(
    service: PlanService, recording: RecordingStore, clock: SystemClock
) -> list[UUID]:
    """Plans that between them record every event type; returns their ids."""
    rejected = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
    service.reject(rejected, by="bob", reason="no")
    partial_spec = plan_spec(
        step("flaky", tool="fail", parameters={"times": 1}, max_retries=1),
        step("slow", tool="block", timeout_ms=50),
        step("after-slow", depends_on=["slow"]),
        require_approval=True,
        continue_on_error=True,
    )
    partial = service.run(partial_spec, by="alice", approve_as="bob").plan_id
    failed = service.run(plan_spec(step("bad", tool="fail")), by="alice").plan_id
    resumed = service.create_plan(plan_spec(step("a")), by="alice")
    crash_while_running(service, recording, resumed, clock)
    service.resume(resumed, by="ops")
    cancelled = service.create_plan(plan_spec(step("a"), step("b", depends_on=["a"])), by="alice")
    crash_while_running(service, recording, cancelled, clock)
    service.cancel(cancelled, by="carol", reason="stop")
    passing_spec = plan_spec(
        step("a", parameters={"value": "{{ plan.inputs.word }}"}),
        step("skip", depends_on=["a"], when="steps.a.result.value == 'nope'"),
        step("bad", depends_on=["a"], parameters={"value": "{{ steps.a.result.nope }}"}),
        step("last", depends_on=["skip", "bad"], trigger="all_done"),
        continue_on_error=True,
    )
    passing_spec["outputs"] = {"word": "{{ steps.a.result.value }}"}
    passing = service.run(passing_spec, by="alice", inputs={"word": "hi"}).plan_id
    mapped_spec = plan_spec(
        step("map", for_each="{{ plan.inputs['items'] }}", parameters={"value": "{{ item }}"}),
        step("reduce", depends_on=["map"], parameters={"value": "{{ steps.map.result[1].value }}"}),
    )
    mapped = service.run(mapped_spec, by="alice", inputs={"items": ["x", "y"]}).plan_id
    child_spec = {"description": "child", "steps": [step("inner")], "outputs": {"ok": "yes"}}
    nested = service.run(plan_spec({"id": "outer", "plan": child_spec}), by="alice")
    child = nested.steps["outer"].child_plan_id
    assert child is not None
    poisoned = service.create_plan(plan_spec(step("a")), by="alice")
    service.quarantine(poisoned, by="w-1", crashes=3, reason="MemoryError")
    return [
        rejected,
        partial,
        failed,
        resumed,
        cancelled,
        passing,
        mapped,
        nested.plan_id,
        child,
        poisoned,
        run_an_operated_plan(service),
        *revised_and_forked(service),
        voided_then_quarantined(service, recording, clock),
        generated_plan(service, recording, clock, RandomIds()),
    ]


def voided_then_quarantined(
    service: PlanService, recording: RecordingStore, clock: SystemClock
) -> UUID:
    """Approved, revised (the approval voided), approved again; then quarantined by a writer."""
    plan_id = service.create_plan(
        plan_spec(step("a"), require_approval=True, approvers=["bob"]), by="alice"
    )
    service.approve(plan_id, by="bob")
    service.revise_step(plan_id, "a", {"max_retries": 1}, by="alice", reason="flaky")
    service.approve(plan_id, by="bob")
    plan = fold(recording.load(plan_id))
    recording.append(
        quarantine(
            plan,
            untrusted_version=plan.version,
            reason="a test of the record",
            by="w-2",
            now=clock.now(),
            correlation_id=uuid.uuid4(),
        )
    )
    return plan_id


def revised_and_forked(service: PlanService) -> list[UUID]:
    """A plan revised while it waits for approval, and a fork of a failed plan."""
    revised = service.create_plan(
        plan_spec(step("a"), step("b", depends_on=["a"]), require_approval=True), by="alice"
    )
    service.add_step(revised, step("c", depends_on=["a"]), by="alice", reason="one more")
    service.revise_step(revised, "b", {"max_retries": 1}, by="alice", reason="flaky")
    service.remove_step(revised, "c", by="alice", reason="one too many")
    service.approve(revised, by="bob")
    service.execute(revised)
    source = service.run(
        plan_spec(step("a"), step("bad", tool="fail", depends_on=["a"])), by="alice"
    ).plan_id
    forked = service.fork(source, from_step="bad", by="alice")
    service.execute(forked)
    return [revised, source, forked]


def run_an_operated_plan(service: PlanService) -> UUID:
    """A plan paused and unpaused, then failed; one step retried, another skipped; completed."""
    spec = plan_spec(
        step("flaky", tool="fail", parameters={"times": 1}),
        step("after", depends_on=["flaky"]),
        step("broken", tool="fail", parameters={"times": 9}),
        continue_on_error=True,
    )
    plan_id = service.create_plan(spec, by="alice")
    service.pause(plan_id, by="olga", reason="freeze")
    service.unpause(plan_id, by="olga")
    assert service.execute(plan_id).status is PlanStatus.FAILED
    service.retry(plan_id, "flaky", by="olga", reason="flaky")
    service.skip(plan_id, "broken", by="olga", reason="known")
    assert service.execute(plan_id).status is PlanStatus.COMPLETED
    return plan_id


class EngineContract:
    """What every store backend must give the engine; subclasses name the store URL."""

    @pytest.fixture
    def store_url(self) -> str:
        raise NotImplementedError

    # -- execution -----------------------------------------------------------------------------

    def test_a_dag_completes_with_every_step_result_recorded(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("fetch", parameters={"value": "F"}),
            step("left", parameters={"value": "L"}, depends_on=["fetch"]),
            step("right", parameters={"value": "R"}, depends_on=["fetch"]),
            step("join", parameters={"value": "J"}, depends_on=["left", "right"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        reloaded = service.get_plan(plan.plan_id)
        assert reloaded.status is PlanStatus.COMPLETED
        assert {step_id: s.result for step_id, s in reloaded.steps.items()} == {
            "fetch": {"value": "F", "step": "fetch"},
            "left": {"value": "L", "step": "left"},
            "right": {"value": "R", "step": "right"},
            "join": {"value": "J", "step": "join"},
        }
        history = service.history(plan.plan_id)
        assert position(history, StepStarted, "join") > position(history, StepCompleted, "left")
        assert position(history, StepStarted, "join") > position(history, StepCompleted, "right")
        assert bench.call_counts() == {(s, 1): 1 for s in ("fetch", "left", "right", "join")}

    def test_a_step_starts_when_its_own_dependencies_are_done_not_when_a_wave_ends(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("quick"),
            step("slow", tool="block", parameters={"gate": "after-quick", "max_wait_ms": 5000}),
            step("after-quick", parameters={"opens": "after-quick"}, depends_on=["quick"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["slow"].result == {"ended_by": "gate"}
        history = service.history(plan.plan_id)
        assert position(history, StepStarted, "after-quick") < position(
            history, StepCompleted, "slow"
        )

    def test_no_more_steps_run_at_once_than_max_parallel_steps(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        three_at_once = {"together": 3, "hold_ms": 3000}
        spec = plan_spec(
            *(step(f"s{i}", tool="hold", parameters=three_at_once) for i in range(6)),
            max_parallel_steps=3,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert most_running_at_once(service.history(plan.plan_id)) == 3
        assert bench.max_concurrent == 3
        assert {s.result["ended_by"] for s in plan.steps.values()} == {"together"}

    def test_steps_run_one_at_a_time_when_parallel_is_not_allowed(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            *(step(f"s{i}", tool="hold", parameters={"hold_ms": 30}) for i in range(4)),
            allow_parallel=False,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert most_running_at_once(service.history(plan.plan_id)) == 1
        assert bench.max_concurrent == 1

    # -- failures, retries, timeouts -----------------------------------------------------------

    def test_a_step_downstream_of_a_failure_is_skipped_and_running_siblings_finish(
        self, make_service: MakeService, bench: ToolBench
    ) -> None:
        failure_recorded = bench.gate("failure-recorded")
        service = make_service(callbacks=Callbacks(on_step_failed=lambda _: failure_recorded.set()))
        spec = plan_spec(
            step("bad", tool="fail", parameters={"times": 99}),
            step("downstream", depends_on=["bad"]),
            step("sibling", tool="block", parameters={"gate": "failure-recorded"}),
            step("after-sibling", depends_on=["sibling"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        assert "'bad'" in (plan.reason or "")
        assert plan.steps["bad"].status is StepStatus.FAILED
        assert plan.steps["sibling"].status is StepStatus.COMPLETED
        assert plan.steps["sibling"].result == {"ended_by": "gate"}
        [skip] = events_of(service.history(plan.plan_id), StepSkipped, "downstream")
        assert skip.cause_step_id == "bad"
        assert "'bad'" in skip.reason
        assert plan.steps["after-sibling"].status is StepStatus.SKIPPED
        assert not bench.has_started("downstream")
        assert not bench.has_started("after-sibling")

    def test_continue_on_error_runs_what_it_can_and_ends_partial(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("bad", tool="fail", parameters={"times": 99}),
            step("downstream", depends_on=["bad"]),
            step("good"),
            step("after-good", depends_on=["good"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        statuses = {step_id: s.status for step_id, s in plan.steps.items()}
        assert statuses == {
            "bad": StepStatus.FAILED,
            "downstream": StepStatus.SKIPPED,
            "good": StepStatus.COMPLETED,
            "after-good": StepStatus.COMPLETED,
        }
        assert "'bad'" in (plan.steps["downstream"].skip_reason or "")

    def test_a_failed_attempt_is_retried_not_before_its_retry_time(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 1}, max_retries=2, retry_delay_ms=80)
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["flaky"].attempt == 2
        history = service.history(plan.plan_id)
        [failed] = events_of(history, StepFailed, "flaky")
        assert (failed.attempt, failed.will_retry, failed.error_type) == (1, True, "boom")
        assert failed.retry_at is not None
        second = [event for event in events_of(history, StepStarted, "flaky") if event.attempt == 2]
        assert len(second) == 1
        assert history.index(second[0]) > history.index(failed)
        assert second[0].timestamp >= failed.retry_at
        assert bench.calls_of("flaky")[1].at >= failed.retry_at

    def test_a_step_past_its_timeout_is_timed_out_and_its_tool_told_to_stop(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("slow", tool="block", timeout_ms=100),
            step("watcher", tool="block", parameters={"gate": "slow-stopped"}),
            step("next", depends_on=["slow"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        assert plan.steps["slow"].status is StepStatus.FAILED
        [timed_out] = events_of(service.history(plan.plan_id), StepTimedOut, "slow")
        assert (timed_out.attempt, timed_out.timeout_ms, timed_out.will_retry) == (1, 100, False)
        assert timed_out.duration_ms >= 100
        assert bench.ended_by[("slow", 1)] == "cancelled"
        assert plan.steps["watcher"].result == {"ended_by": "gate"}, "slow ran on unstopped"
        assert plan.steps["next"].status is StepStatus.SKIPPED

    def test_a_plan_past_its_total_timeout_fails_and_its_running_steps_are_cancelled(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(
            step("slow", tool="block"), step("next", depends_on=["slow"]), total_timeout_ms=150
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        assert "total timeout" in (plan.reason or "")
        history = service.history(plan.plan_id)
        [cancelled] = events_of(history, StepCancelled, "slow")
        assert cancelled.attempt == 1
        assert plan.steps["slow"].status is StepStatus.CANCELLED
        assert plan.steps["next"].status is StepStatus.SKIPPED
        wait_until(lambda: bench.ended_by.get(("slow", 1)) == "cancelled", what="tool to stop")

    def test_a_timed_out_call_that_ignores_its_cancellation_does_not_hold_a_parallel_slot(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        stuck = {"gate": "release-stuck", "ignore_cancel": True, "max_wait_ms": 5000}
        spec = plan_spec(
            step("stuck", tool="block", parameters=stuck, timeout_ms=100),
            step("next"),
            allow_parallel=False,
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.PARTIAL
        assert plan.steps["stuck"].status is StepStatus.FAILED
        assert plan.steps["next"].status is StepStatus.COMPLETED
        assert ("stuck", 1) not in bench.ended_by, "next waited for the abandoned call"

    def test_a_tool_result_that_is_not_json_fails_its_step_instead_of_escaping(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("odd", tool="return", parameters={"kind": "object"}),
            step("after", depends_on=["odd"]),
        )

        plan = service.run(spec, by="alice")

        assert plan.status is PlanStatus.FAILED
        error = plan.steps["odd"].error
        assert error is not None
        assert error.error_type == "invalid_result"
        assert plan.steps["after"].status is StepStatus.SKIPPED

    def test_a_result_the_store_would_change_fails_the_step_instead(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(step("huge", tool="return", parameters={"kind": "huge_int"}))

        plan = service.run(spec, by="alice")

        error = service.get_plan(plan.plan_id).steps["huge"].error
        assert error is not None
        assert error.error_type == "invalid_result"
        assert "result.count[1]" in error.message

    def test_a_json_like_tool_result_is_recorded_as_it_loads_back(
        self, service: PlanService
    ) -> None:
        spec = plan_spec(
            step("pair", tool="return", parameters={"kind": "tuple"}),
            step("when", tool="return", parameters={"kind": "datetime"}),
        )

        plan = service.run(spec, by="alice")

        reloaded = service.get_plan(plan.plan_id)
        assert plan.steps["pair"].result == reloaded.steps["pair"].result == {"pair": [1, 2]}
        expected_at = {"at": "2024-05-01T12:00:00Z"}
        assert plan.steps["when"].result == reloaded.steps["when"].result == expected_at

    # -- approval ------------------------------------------------------------------------------

    def test_a_plan_that_needs_approval_runs_nothing_until_approved(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("deploy"), require_approval=True, approvers=["bob"])
        plan_id = service.create_plan(spec, by="alice")

        waiting = service.execute(plan_id)

        assert waiting.status is PlanStatus.PENDING_APPROVAL
        assert not events_of(service.history(plan_id), StepStarted)
        assert bench.calls == []

        service.approve(plan_id, by="bob", comment="go")
        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.COMPLETED
        assert plan.approved_by == "bob"
        assert bench.call_counts() == {("deploy", 1): 1}

    def test_a_rejected_plan_never_runs(self, service: PlanService, bench: ToolBench) -> None:
        spec = plan_spec(step("deploy"), require_approval=True)
        plan_id = service.create_plan(spec, by="alice")

        service.reject(plan_id, by="bob", reason="not today")
        plan = service.execute(plan_id)

        assert plan.status is PlanStatus.REJECTED
        assert (plan.rejected_by, plan.reason) == ("bob", "not today")
        assert bench.calls == []

    def test_an_approval_nobody_gives_in_time_expires_as_a_rejection(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("deploy"), require_approval=True, approval_timeout_ms=50)
        plan_id = service.create_plan(spec, by="alice")

        def expired() -> bool:
            service.record_due(plan_id)  # queries never write: a command records the expiry
            return service.get_plan(plan_id).status is PlanStatus.REJECTED

        wait_until(expired, what="approval expiry")

        [rejected] = events_of(service.history(plan_id), PlanRejected)
        assert rejected.expired is True
        assert rejected.by == ENGINE_ACTOR
        assert service.execute(plan_id).status is PlanStatus.REJECTED
        assert bench.calls == []

    # -- cancel and resume ---------------------------------------------------------------------

    def test_a_plan_cancelled_from_another_thread_stops_its_running_tool(
        self, service: PlanService, bench: ToolBench
    ) -> None:
        spec = plan_spec(step("slow", tool="block"), step("next", depends_on=["slow"]))
        plan_id = service.create_plan(spec, by="alice")
        running = in_background(lambda: service.execute(plan_id))
        wait_until(lambda: bench.has_started("slow"), what="slow to start")

        service.cancel(plan_id, by="carol", reason="changed my mind")
        plan = running.result(timeout=10)

        assert plan.status is PlanStatus.CANCELLED
        assert plan.cancelled_by == "carol"
        assert plan.steps["slow"].status is StepStatus.CANCELLED
        assert plan.steps["next"].status is StepStatus.SKIPPED
        wait_until(lambda: bench.ended_by.get(("slow", 1)) == "cancelled", what="tool to stop")
        assert not bench.has_started("next")

    def test_resume_reruns_an_idempotent_step_left_running_and_never_a_completed_one(
        self, service: PlanService, store: LibraryEventStore, bench: ToolBench, clock: SystemClock
    ) -> None:
        spec = plan_spec(step("fetch"), step("sync"), step("report", depends_on=["fetch", "sync"]))
        plan_id = service.create_plan(spec, by="alice")
        left_running = crash_while_running(service, store, plan_id, clock, completed=["fetch"])
        assert left_running == ["sync"]

        plan = service.resume(plan_id, by="ops")

        assert plan.status is PlanStatus.COMPLETED
        assert plan.steps["fetch"].result == {"run": "earlier"}
        history = service.history(plan_id)
        [resumed] = events_of(history, PlanResumed)
        assert resumed.interrupted_steps == ("sync",)
        [interrupted] = events_of(history, StepInterrupted, "sync")
        assert (interrupted.attempt, interrupted.worker) == (1, "w-dead")
        starts = [
            (event.attempt, event.worker) for event in events_of(history, StepStarted, "sync")
        ]
        assert starts == [(1, "w-dead"), (2, "w-1")]
        assert bench.call_counts() == {("sync", 2): 1, ("report", 1): 1}

    def test_a_non_idempotent_step_left_running_by_a_crash_fails_as_interrupted(
        self, service: PlanService, store: LibraryEventStore, bench: ToolBench, clock: SystemClock
    ) -> None:
        spec = plan_spec(
            step("charge", idempotent=False, max_retries=3), step("receipt", depends_on=["charge"])
        )
        plan_id = service.create_plan(spec, by="alice")
        crash_while_running(service, store, plan_id, clock)

        plan = service.resume(plan_id, by="ops")

        assert plan.status is PlanStatus.FAILED
        [failed] = events_of(service.history(plan_id), StepFailed, "charge")
        assert (failed.attempt, failed.error_type, failed.will_retry) == (1, "interrupted", False)
        assert plan.steps["receipt"].status is StepStatus.SKIPPED
        assert bench.calls == []

    def test_events_another_writer_appended_first_still_reach_the_engine_after_a_conflict(
        self,
        make_service: MakeService,
        store: LibraryEventStore,
        bench: ToolBench,
        clock: SystemClock,
    ) -> None:
        def time_out_slow_first(batch: Sequence[PlanEvent]) -> None:
            plan = fold(store.load(batch[0].plan_id))
            timeout = TimeOutStep("slow", 1, 100, 100, None)
            store.append(
                apply_decisions(
                    plan, [timeout], now=clock.now(), worker="w-2", correlation_id=uuid.uuid4()
                )
            )

        seen: list[PlanEvent] = []
        slow_told_to_stop_by_the_end: list[bool] = []
        callbacks = Callbacks(
            on_event=seen.append,
            on_plan_complete=lambda _: slow_told_to_stop_by_the_end.append(
                bench.contexts[("slow", 1)].cancelled.is_set()
            ),
        )
        interfering = InterferingStore(
            store, before=("fast", StepCompleted), do=time_out_slow_first
        )
        service = make_service(on=interfering, callbacks=callbacks)
        spec = plan_spec(
            step("slow", tool="block"),
            step("fast"),
            step("after-fast", depends_on=["fast"]),
            continue_on_error=True,
        )

        plan = service.run(spec, by="alice")

        assert interfering.interfered
        assert plan.status is PlanStatus.PARTIAL
        assert [event.step_id for event in events_of(seen, StepTimedOut)] == ["slow"]
        assert slow_told_to_stop_by_the_end == [True]

    # -- callbacks and history -----------------------------------------------------------------

    def test_callbacks_are_called_with_the_recorded_events(
        self, make_service: MakeService, bench: ToolBench
    ) -> None:
        seen: dict[str, list[PlanEvent]] = {"start": [], "complete": [], "failed": [], "plan": []}
        callbacks = Callbacks(
            on_step_start=seen["start"].append,
            on_step_complete=seen["complete"].append,
            on_step_failed=seen["failed"].append,
            on_plan_complete=seen["plan"].append,
        )
        service = make_service(callbacks=callbacks)
        spec = plan_spec(
            step("flaky", tool="fail", parameters={"times": 1}, max_retries=1),
            step("after", depends_on=["flaky"]),
        )

        plan = service.run(spec, by="alice")

        history = service.history(plan.plan_id)
        assert plan.status is PlanStatus.COMPLETED
        assert seen["start"] == events_of(history, StepStarted)
        assert len(seen["start"]) == 3
        assert seen["complete"] == events_of(history, StepCompleted)
        assert seen["failed"] == events_of(history, StepFailed)
        assert seen["plan"] == events_of(history, PlanCompleted)
        assert len(seen["plan"]) == 1

    def test_history_round_trips_every_event_type_through_the_store(
        self,
        make_service: MakeService,
        store: LibraryEventStore,
        reopen_store: Callable[[LibraryEventStore], LibraryEventStore],
        clock: SystemClock,
    ) -> None:
        recording = RecordingStore(store)
        service = make_service(on=recording)
        plan_ids = run_one_plan_of_each_kind(service, recording, clock)
        plan_ids.append(every_notebook_call(recording, clock, RandomIds()))

        again = reopen_store(store)

        recorded_types = {type(event) for event in recording.appended}
        assert recorded_types == set(EVENT_TYPES)
        for plan_id in plan_ids:
            written = [event for event in recording.appended if event.plan_id == plan_id]
            loaded = again.load(plan_id)
            assert [type(event) for event in loaded] == [type(event) for event in written]
            assert [event.model_dump() for event in loaded] == [
                event.model_dump() for event in written
            ]

    # -- errors --------------------------------------------------------------------------------

    def test_an_unknown_plan_id_raises_plan_not_found(self, service: PlanService) -> None:
        unknown = uuid.uuid4()

        with pytest.raises(PlanNotFoundError) as raised:
            service.get_plan(unknown)

        assert raised.value.plan_id == unknown
        with pytest.raises(PlanNotFoundError):
            service.execute(unknown)
        with pytest.raises(PlanNotFoundError):
            service.approve(unknown, by="bob")

    def test_an_append_at_a_taken_version_raises_a_conflict_and_writes_nothing(
        self, service: PlanService, store: LibraryEventStore, clock: SystemClock
    ) -> None:
        plan_id = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
        before = [event.model_dump() for event in store.load(plan_id)]
        next_version = len(before) + 1

        def approval(version: int) -> PlanApproved:
            return PlanApproved(
                originator_id=plan_id,
                originator_version=version,
                timestamp=clock.now(),
                actor="bob",
                correlation_id=uuid.uuid4(),
                by="bob",
            )

        with pytest.raises(ConcurrencyError) as raised:
            store.append([approval(2)])
        with pytest.raises(ConcurrencyError):
            store.append([approval(next_version), approval(2)])

        assert raised.value.plan_id == plan_id
        assert [event.model_dump() for event in store.load(plan_id)] == before


class TestEngineOnMemory(EngineContract):
    @pytest.fixture
    def store_url(self) -> str:
        return "memory://"


class TestEngineOnSqlite(EngineContract):
    @pytest.fixture
    def store_url(self, tmp_path: Path) -> str:
        return f"sqlite:///{tmp_path / 'planledger.db'}"


@pytest.mark.postgres
class TestEngineOnPostgres(EngineContract):
    @pytest.fixture
    def store_url(self, postgres_url: str) -> str:
        return postgres_url
