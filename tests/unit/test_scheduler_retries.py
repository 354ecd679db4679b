"""Retries: growing delays, due times, pending while waiting, stale outcomes ignored."""

from __future__ import annotations

from datetime import timedelta

from core.domain.decisions import Outcome, record_outcome
from core.domain.events import StepFailed
from core.domain.scheduler import StartStep, next_retry_at
from core.domain.status import PlanStatus, StepStatus
from tests.unit.builders import CORRELATION_ID, T0, at, executing_plan, spec, step


def test_retry_delays_grow_geometrically_with_the_backoff() -> None:
    plan_spec = spec(step("a", max_retries=3, retry_delay_ms=100, retry_backoff=2.0))
    ledger = executing_plan(plan_spec)
    failures: list[StepFailed] = []
    now = T0

    for _ in range(4):
        ledger.settle(now)
        now += timedelta(milliseconds=7)
        failures += [e for e in ledger.fail("a", now) if isinstance(e, StepFailed)]
        if failures[-1].retry_at is not None:
            now = failures[-1].retry_at

    delays = [(f.retry_at - f.timestamp) if f.retry_at else None for f in failures]
    assert [f.attempt for f in failures] == [1, 2, 3, 4]
    assert delays == [
        timedelta(milliseconds=100),
        timedelta(milliseconds=200),
        timedelta(milliseconds=400),
        None,
    ]
    assert [f.will_retry for f in failures] == [True, True, True, False]
    assert ledger.status("a") is StepStatus.FAILED


def test_a_retry_starts_only_when_it_is_due() -> None:
    ledger = executing_plan(spec(step("a", max_retries=1, retry_delay_ms=500)))
    ledger.settle(T0)
    ledger.fail("a", at(10))

    early = ledger.decide(at(509))
    due = ledger.decide(at(510))

    assert early.decisions == ()
    assert early.wake_at == at(510)
    assert due.decisions == (StartStep("a", 2),)


def test_a_step_waiting_for_a_retry_is_pending_not_failed() -> None:
    ledger = executing_plan(spec(step("a", max_retries=1, retry_delay_ms=500)))
    ledger.settle(T0)

    ledger.fail("a", at(10))

    assert ledger.status("a") is StepStatus.PENDING
    assert ledger.plan.retrying == {"a": at(510)}
    assert ledger.plan.status is PlanStatus.EXECUTING


def test_next_retry_at_is_none_when_no_retry_is_left() -> None:
    plan_spec = spec(step("a", max_retries=2, retry_delay_ms=10, retry_backoff=3.0))
    step_spec = plan_spec.steps[0]

    due = [next_retry_at(step_spec, attempt, T0) for attempt in (1, 2, 3)]

    assert due == [at(10), at(30), None]


def test_an_outcome_of_an_attempt_that_is_no_longer_running_records_nothing() -> None:
    ledger = executing_plan(spec(step("a", timeout_ms=100, max_retries=1)))
    ledger.settle(T0)
    ledger.settle(at(100))

    late = record_outcome(
        ledger.plan, Outcome("a", 1, 150, result="late"), now=at(150), correlation_id=CORRELATION_ID
    )

    assert late == []
    assert (ledger.status("a"), ledger.attempt("a")) == (StepStatus.RUNNING, 2)
