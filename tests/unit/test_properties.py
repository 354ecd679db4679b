"""Properties of the scheduler and the fold over random DAGs, options and outcomes (hypothesis).

A pure simulator drives each plan: a fake clock, `decide` -> `apply_decisions` -> `evolve`, and
started attempts that finish later in an order hypothesis chooses, each with the outcome the
scenario's table gives for that step and attempt ("ok", "fail", or "hang" until a timeout).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.domain.decisions import (
    Outcome,
    apply_decisions,
    create_plan,
    record_outcome,
    resume,
    start_execution,
)
from core.domain.events import PlanEvent, StepFailed, StepStarted, StepTimedOut
from core.domain.plan import PlanState, evolve, fold
from core.domain.plan_view import plan_view
from core.domain.scheduler import decide, elapsed_ms
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, EXPRESSIONS, PLAN_ID, T0, WORKER, spec, step

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Scenario:
    """A plan spec and what each attempt of each step will do."""

    plan_spec: PlanSpec
    outcomes: dict[tuple[str, int], str]


MAX_STEPS = 30
# Strategies are built once: building them inside the draw loop dominates the run time.
DEPENDENCIES = [
    st.lists(st.integers(0, i - 1), max_size=3, unique=True) for i in range(1, MAX_STEPS)
]
RETRIES = st.integers(0, 2)
RETRY_DELAYS_MS = st.sampled_from([0, 10, 100])
BACKOFFS = st.sampled_from([1.0, 2.0])
STEP_TIMEOUTS_MS = st.none() | st.sampled_from([50, 400])
TOTAL_TIMEOUTS_MS = st.none() | st.sampled_from([300, 3000])
ERROR_MODES = st.sampled_from(
    [{"stop_on_error": True}, {"continue_on_error": True}, {"stop_on_error": False}]
)
OUTCOMES = st.sampled_from(["ok", "ok", "fail"])
OUTCOMES_WITH_HANG = st.sampled_from(["ok", "ok", "fail", "hang", "hang"])
CRASH_NOW = st.integers(0, 4).map(lambda n: n == 0)
CLOCK_STEPS = st.sampled_from([timedelta(milliseconds=ms) for ms in (0, 1, 20, 200)])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    total_timeout_ms = draw(TOTAL_TIMEOUTS_MS)
    options: dict[str, Any] = {
        "allow_parallel": draw(st.booleans()),
        "max_parallel_steps": draw(st.integers(1, 4)),
        **draw(ERROR_MODES),
        "total_timeout_ms": total_timeout_ms,
    }
    steps = []
    outcomes: dict[tuple[str, int], str] = {}
    for index in range(draw(st.integers(1, MAX_STEPS))):
        dependencies = sorted(draw(DEPENDENCIES[index - 1])) if index else []
        max_retries = draw(RETRIES)
        timeout_ms = draw(STEP_TIMEOUTS_MS)
        steps.append(
            step(
                f"s{index}",
                *(f"s{d}" for d in dependencies),
                max_retries=max_retries,
                retry_delay_ms=draw(RETRY_DELAYS_MS),
                retry_backoff=draw(BACKOFFS),
                timeout_ms=timeout_ms,
                idempotent=draw(st.booleans()),
            )
        )
        can_hang = timeout_ms is not None or total_timeout_ms is not None
        for attempt in range(1, max_retries + 2):
            outcomes[(f"s{index}", attempt)] = draw(OUTCOMES_WITH_HANG if can_hang else OUTCOMES)
    return Scenario(spec(*steps, **options), outcomes)


Snapshot = tuple[object, ...]


def snapshot(plan: PlanState) -> Snapshot:
    """What must be equal between the live state and a fresh fold of the same events."""
    return (
        plan_view(plan),
        list(plan.ready),
        list(plan.running),
        dict(plan.retrying),
        dict(plan.blocked),
        dict(plan.unmet),
        plan.stopped_by,
    )


@dataclass
class Run:
    """One simulated execution: the live state, every event, and the state after each event."""

    scenario: Scenario
    plan: PlanState
    now: datetime = T0
    events: list[PlanEvent] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    early_starts: list[str] = field(default_factory=list)
    most_running: int = 0
    turns: int = 0
    crashes_left: int = 0

    def outcome(self, step_id: str) -> str:
        """What the running attempt of the step does; attempts past the table (re-runs after
        a crash) succeed."""
        attempt = self.plan.steps[step_id].attempt
        return self.scenario.outcomes.get((step_id, attempt), "ok")

    def record(self, events: list[PlanEvent]) -> None:
        for event in events:
            if isinstance(event, StepStarted):
                self._check_dependencies(event.step_id)
            evolve(self.plan, event)
            self.most_running = max(self.most_running, len(self.plan.running))
            self.events.append(event)
            self.snapshots.append(snapshot(self.plan))

    def _check_dependencies(self, step_id: str) -> None:
        for dependency in self.plan.steps[step_id].spec.depends_on:
            if self.plan.steps[dependency].status is not StepStatus.COMPLETED:
                self.early_starts.append(f"{step_id} before {dependency}")


def max_turns(scenario: Scenario) -> int:
    return 40 * len(scenario.plan_spec.steps) + 50


def simulate(scenario: Scenario, data: st.DataObject, crashes: int = 0) -> Run:
    """Run the scenario to its end; fail if it hangs or exceeds the turn bound.

    With `crashes`, up to that many times the run stops while steps run and is resumed.
    """
    first, *rest = create_plan(
        PLAN_ID, scenario.plan_spec, by="alice", now=T0, correlation_id=CORRELATION_ID
    )
    run = Run(scenario, evolve(None, first), events=[first], snapshots=[])
    run.snapshots.append(snapshot(run.plan))
    run.crashes_left = crashes
    run.record(rest)
    run.record(start_execution(run.plan, now=T0, correlation_id=CORRELATION_ID))
    while not run.plan.is_terminal:
        run.turns += 1
        assert run.turns <= max_turns(scenario), "the run did not terminate"
        _turn(run, data)
    return run


def _turn(run: Run, data: st.DataObject) -> None:
    plan = run.plan
    schedule = decide(plan, run.now, EXPRESSIONS)
    if schedule.decisions:
        run.record(
            apply_decisions(
                plan, schedule.decisions, now=run.now, worker=WORKER, correlation_id=CORRELATION_ID
            )
        )
        return
    if run.crashes_left and plan.running and data.draw(CRASH_NOW):
        run.crashes_left -= 1
        run.record(resume(plan, by="ops", now=run.now, correlation_id=CORRELATION_ID))
        return
    finishable = [step_id for step_id in plan.running if run.outcome(step_id) != "hang"]
    if not finishable:
        assert schedule.wake_at is not None, "nothing can finish and nothing is due: a hang"
        assert schedule.wake_at > run.now
        run.now = schedule.wake_at
        return
    target = run.now + data.draw(CLOCK_STEPS)
    if schedule.wake_at is not None and schedule.wake_at <= target:
        run.now = schedule.wake_at
        return
    run.now = target
    _finish(run, data.draw(st.sampled_from(finishable)))


def _finish(run: Run, step_id: str) -> None:
    step_state = run.plan.steps[step_id]
    attempt = step_state.attempt
    duration = elapsed_ms(step_state.started_at, run.now)
    if run.outcome(step_id) == "ok":
        outcome = Outcome(step_id, attempt, duration, result={"step": step_id, "attempt": attempt})
    else:
        outcome = Outcome(step_id, attempt, duration, error_type="boom", message="failed")
    events = record_outcome(run.plan, outcome, now=run.now, correlation_id=CORRELATION_ID)
    assert events, "an attempt chosen from the running ones must be recorded"
    run.record(events)


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_every_run_ends_in_a_terminal_status(scenario: Scenario, data: st.DataObject) -> None:
    run = simulate(scenario, data)

    assert run.plan.status.is_terminal
    assert run.plan.status in (PlanStatus.COMPLETED, PlanStatus.FAILED, PlanStatus.PARTIAL)
    assert decide(run.plan, run.now + timedelta(days=1), EXPRESSIONS).decisions == ()


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_no_step_starts_before_all_its_dependencies_completed(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    assert run.early_starts == []


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_no_more_steps_run_at_once_than_the_parallel_slots(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    assert run.most_running <= scenario.plan_spec.options.parallel_slots


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_no_attempt_starts_twice_and_attempts_stay_within_the_retries(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    starts = [(e.step_id, e.attempt) for e in run.events if isinstance(e, StepStarted)]
    assert [key for key, count in Counter(starts).items() if count > 1] == []
    attempts = Counter(step_id for step_id, _ in starts)
    for step_spec in scenario.plan_spec.steps:
        assert attempts[step_spec.id] <= 1 + step_spec.max_retries
        numbers = sorted(attempt for step_id, attempt in starts if step_id == step_spec.id)
        assert numbers == list(range(1, len(numbers) + 1))


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_no_step_is_left_pending_or_running(scenario: Scenario, data: st.DataObject) -> None:
    run = simulate(scenario, data)

    unfinished = {
        step_id: step_state.status
        for step_id, step_state in run.plan.steps.items()
        if not step_state.status.is_terminal
    }
    assert unfinished == {}
    assert (run.plan.ready, run.plan.running, run.plan.retrying, run.plan.blocked) == (
        {},
        {},
        {},
        {},
    )


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_a_stopping_plan_starts_nothing_after_a_final_failure(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    stopped = False
    late_starts = []
    for event in run.events:
        if isinstance(event, StepFailed | StepTimedOut) and not event.will_retry:
            stopped = stopped or scenario.plan_spec.options.stops_on_error
        elif isinstance(event, StepStarted) and stopped:
            late_starts.append((event.step_id, event.attempt))
    assert late_starts == []


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_the_final_status_follows_from_the_steps(scenario: Scenario, data: st.DataObject) -> None:
    run = simulate(scenario, data)

    plan = run.plan
    counts = plan.counts
    failed = counts[StepStatus.FAILED] + counts[StepStatus.CANCELLED]
    if plan.reason is not None and "total timeout" in plan.reason:
        assert plan.status is PlanStatus.FAILED
    elif failed == 0:
        assert plan.status is PlanStatus.COMPLETED
        assert counts[StepStatus.COMPLETED] == len(plan.steps)
    elif scenario.plan_spec.options.stops_on_error or counts[StepStatus.COMPLETED] == 0:
        assert plan.status is PlanStatus.FAILED
    else:
        assert plan.status is PlanStatus.PARTIAL


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_folding_any_prefix_of_the_events_gives_the_state_the_live_run_had(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data)

    for count in range(1, len(run.events) + 1):
        assert snapshot(fold(run.events[:count])) == run.snapshots[count - 1], count


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_runs_resumed_after_crashes_end_with_every_attempt_started_once(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data, crashes=3)

    starts = [(e.step_id, e.attempt) for e in run.events if isinstance(e, StepStarted)]
    assert run.plan.status.is_terminal
    assert len(starts) == len(set(starts))
    assert run.early_starts == []
    assert run.most_running <= scenario.plan_spec.options.parallel_slots
    assert all(step_state.status.is_terminal for step_state in run.plan.steps.values())


@PROPERTY_SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_folding_any_prefix_of_a_run_with_crashes_gives_the_state_the_live_run_had(
    scenario: Scenario, data: st.DataObject
) -> None:
    run = simulate(scenario, data, crashes=3)

    for count in range(1, len(run.events) + 1):
        assert snapshot(fold(run.events[:count])) == run.snapshots[count - 1], count
