"""The fold: a plan's state is its events, and a history that cannot be a plan's is refused."""

from __future__ import annotations

import pytest

from core.domain.errors import CorruptHistoryError
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanCompleted, StepCompleted, StepStarted
from core.domain.plan import evolve, fold
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, T0, at, executing_plan, spec, step


def test_folding_the_events_gives_the_live_state() -> None:
    ledger = executing_plan(spec(step("a"), step("b", "a")))
    ledger.settle(T0)
    ledger.succeed("a", at(1), result={"ok": True})
    ledger.settle(at(1))

    folded = fold(ledger.events)

    assert folded.version == ledger.plan.version
    assert folded.steps["a"].result == {"ok": True}
    assert folded.steps["b"].status is StepStatus.RUNNING
    assert list(folded.running) == ["b"]
    assert folded.status is PlanStatus.EXECUTING


def test_an_empty_history_is_not_a_plan() -> None:
    with pytest.raises(CorruptHistoryError):
        fold([])


def test_a_history_must_start_with_plan_created() -> None:
    ledger = executing_plan(spec(step("a")))

    with pytest.raises(CorruptHistoryError) as refused:
        fold(ledger.events[1:])

    assert refused.value.version == 2


def test_a_gap_in_the_versions_is_refused_naming_the_version() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)

    with pytest.raises(CorruptHistoryError) as refused:
        fold([*ledger.events[:2], *ledger.events[3:]])

    assert refused.value.version == 4
    assert "expected version 3" in refused.value.reason


def test_the_same_attempt_cannot_start_twice() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    stamp = EventStamper.after(ledger.plan, at(1), "engine", CORRELATION_ID)
    again = stamp(StepStarted, step_id="a", attempt=1, tool="echo", worker="w2", parameters={})

    with pytest.raises(CorruptHistoryError):
        evolve(ledger.plan, again)


def test_an_outcome_for_an_attempt_that_is_not_running_is_refused() -> None:
    ledger = executing_plan(spec(step("a")))
    stamp = EventStamper.after(ledger.plan, at(1), "engine", CORRELATION_ID)
    orphan = stamp(StepCompleted, step_id="a", attempt=1, tool="echo", duration_ms=1)

    with pytest.raises(CorruptHistoryError):
        evolve(ledger.plan, orphan)


def test_an_unknown_step_is_refused() -> None:
    ledger = executing_plan(spec(step("a")))
    stamp = EventStamper.after(ledger.plan, at(1), "engine", CORRELATION_ID)
    ghost = stamp(StepStarted, step_id="ghost", attempt=1, tool="echo", worker="w", parameters={})

    with pytest.raises(CorruptHistoryError) as refused:
        evolve(ledger.plan, ghost)

    assert "ghost" in refused.value.reason


def test_a_terminal_event_sets_the_status_and_the_end_time() -> None:
    ledger = executing_plan(spec(step("a")))
    ledger.settle(T0)
    ledger.succeed("a", at(3))

    ledger.settle(at(4))

    assert isinstance(ledger.events[-1], PlanCompleted)
    assert ledger.plan.status is PlanStatus.COMPLETED
    assert ledger.plan.finished_at == at(4)
