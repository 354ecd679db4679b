"""How revisions and forks change a plan's state and the scheduler's indexes (pure).

A step added or revised is indexed from its dependencies as they stand: those that already
ended count in its trigger-rule tally at once, so a new step after finished steps is ready (or
blocked) straight away. A removed step leaves every index. Reused results of a fork complete a
step before the plan is submitted, exactly as a `StepCompleted` would, without an attempt.
"""

from __future__ import annotations

from core.domain.errors import CorruptHistoryError
from core.domain.events import (
    PlanEvent,
    PlanForked,
    StepAdded,
    StepRemoved,
    StepResultReused,
    StepRevised,
)
from core.domain.plan_state import ForkLink, PlanState, StepState
from core.domain.spec import StepSpec
from core.domain.status import PlanStatus, StepStatus
from core.domain.step_transitions import leave_pending, set_status, settle, step_of
from core.domain.trigger_rules import Ending, Tally, Verdict, verdict


def on_step_added(state: PlanState, event: StepAdded) -> None:
    new = event.step
    _check_open(state, event)
    if new.id in state.steps:
        raise CorruptHistoryError(event.plan_id, event.version, f"step {new.id!r} exists")
    _check_dependencies(state, event, new)
    state.spec = state.spec.model_copy(update={"steps": (*state.spec.steps, new)})
    state.steps[new.id] = StepState(spec=new, timeout_ms=state.spec.step_timeout_ms(new))
    state.counts[StepStatus.PENDING] += 1
    state.dependants[new.id] = []
    for dependency in new.depends_on:
        state.dependants[dependency].append(new.id)
    index_unstarted(state, new.id)


def on_step_revised(state: PlanState, event: StepRevised) -> None:
    new = event.step
    _check_open(state, event)
    step = _unstarted(state, event, new.id)
    _check_dependencies(state, event, new)
    state.spec = state.spec.model_copy(
        update={"steps": tuple(new if s.id == new.id else s for s in state.spec.steps)}
    )
    for dependency in step.spec.depends_on:
        state.dependants[dependency].remove(new.id)
    for dependency in new.depends_on:
        state.dependants[dependency].append(new.id)
    step.spec = new
    step.timeout_ms = state.spec.step_timeout_ms(new)
    index_unstarted(state, new.id)


def on_step_removed(state: PlanState, event: StepRemoved) -> None:
    step_id = event.step_id
    _check_open(state, event)
    step = _unstarted(state, event, step_id)
    if state.dependants[step_id]:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {step_id!r} still has dependants"
        )
    state.spec = state.spec.model_copy(
        update={"steps": tuple(s for s in state.spec.steps if s.id != step_id)}
    )
    for dependency in step.spec.depends_on:
        state.dependants[dependency].remove(step_id)
    leave_pending(state, step_id)
    for index in (state.steps, state.dependants, state.unmet, state.tallies):
        del index[step_id]
    state.counts[StepStatus.PENDING] -= 1


def on_plan_forked(state: PlanState, event: PlanForked) -> None:
    if state.status is not PlanStatus.DRAFT or state.forked_from is not None:
        raise CorruptHistoryError(event.plan_id, event.version, "only a new plan can be a fork")
    state.forked_from = ForkLink(event.source_plan_id, event.source_version, event.from_step)


def on_step_result_reused(state: PlanState, event: StepResultReused) -> None:
    step = step_of(state, event, event.step_id)
    if state.forked_from is None or state.status is not PlanStatus.DRAFT:
        raise CorruptHistoryError(
            event.plan_id, event.version, "results are reused only by a fork, before submission"
        )
    if step.status is not StepStatus.PENDING:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {event.step_id!r} is not pending"
        )
    leave_pending(state, event.step_id)
    set_status(state, step, StepStatus.COMPLETED)
    step.result = event.result
    step.result_ref = event.result_ref
    step.output_refs = event.output_refs or None
    step.item_refs = event.item_refs or None
    step.finished_at = event.timestamp
    settle(state, event.step_id, Ending.SUCCESS)


def index_unstarted(state: PlanState, step_id: str) -> None:
    """Count a step's dependencies as they ended so far, and release or block it by its rule."""
    step = state.steps[step_id]
    depends_on = step.spec.depends_on
    tally = Tally(len(depends_on))
    unmet = 0
    causes: dict[Ending, str] = {}
    for dependency in depends_on:
        ending = state.steps[dependency].ending
        if ending is None:
            unmet += 1
            continue
        tally.count(ending)
        causes.setdefault(ending, dependency)
    state.unmet[step_id] = unmet
    state.tallies[step_id] = tally
    state.ready.pop(step_id, None)
    state.blocked.pop(step_id, None)
    step.blocked_as_skipped = False
    said = verdict(step.spec.trigger, tally) if depends_on else Verdict.RUN
    if said is Verdict.RUN:
        state.ready[step_id] = None
    elif said is not Verdict.WAIT:
        cause = causes.get(Ending.FAILED) or causes.get(Ending.SKIPPED) or depends_on[0]
        state.blocked[step_id] = cause
        step.blocked_as_skipped = said is Verdict.SKIP_AS_SKIPPED


def is_unstarted(step: StepState) -> bool:
    """True for a step no attempt of which has begun and that has not ended: revisable."""
    return step.status is StepStatus.PENDING and step.attempt == 0


def _unstarted(state: PlanState, event: PlanEvent, step_id: str) -> StepState:
    step = step_of(state, event, step_id)
    if not is_unstarted(step):
        raise CorruptHistoryError(
            event.plan_id, event.version, f"step {step_id!r} has started; it cannot change"
        )
    return step


def _check_open(state: PlanState, event: PlanEvent) -> None:
    if state.is_terminal:
        raise CorruptHistoryError(
            event.plan_id, event.version, f"a {state.status} plan cannot be revised"
        )


def _check_dependencies(state: PlanState, event: PlanEvent, step: StepSpec) -> None:
    for dependency in step.depends_on:
        if dependency not in state.steps or dependency == step.id:
            raise CorruptHistoryError(
                event.plan_id, event.version, f"step {step.id!r}: unknown dependency {dependency!r}"
            )
