"""`/metrics` of a running worker on PostgreSQL, scraped over HTTP, agrees with the event log.

Twenty plans (some steps complete, some fail after a retry, some time out) are submitted; once
they have ended, the worker's counters are compared with the events of the same kinds in the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest

from adapters.bootstrap import planledger, work_queue
from adapters.settings import Settings
from adapters.workers import submit
from core import TERMINAL_EVENTS, PlanEvent, StepCompleted, StepFailed, StepStarted, StepTimedOut

from .conftest import Cli
from .metrics_endpoint import scrape, serving_metrics
from .workers import StoreView, shell_step, spec

StepEvent = StepStarted | StepCompleted | StepFailed | StepTimedOut

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PLANS = 20
WORKER_OPTIONS = ("--id", "metered", "--concurrency", "4", "--metrics-port", "0")


def plan_number(number: int) -> dict[str, Any]:
    """Every plan echoes; every fourth also fails twice (a retry); every fifth also times out."""
    steps = [{"id": "hello", "tool": "echo", "parameters": {"value": number}}]
    steps.append(shell_step("ok", "true", depends_on=["hello"]))
    if number % 4 == 0:
        steps.append(shell_step("broken", "exit 3", max_retries=1, retry_delay_ms=10))
    if number % 5 == 0:
        steps.append({"id": "slow", "tool": "sleep", "timeout_ms": 50, "parameters": {"ms": 5000}})
    return spec(*steps, continue_on_error=True)


def by_label(samples: dict[Any, float], name: str, label: str) -> dict[str, float]:
    """The samples of `name` summed by one label (zeros left out)."""
    sums: Counter[str] = Counter()
    for (sample, labels), value in samples.items():
        if sample == name and value:
            sums[dict(labels)[label]] += value
    return dict(sums)


@pytest.fixture
def worker_with_metrics(initialised: Cli, wait_until: Callable[..., None]) -> Iterator[str]:
    """A `planledger worker --metrics-port 0`; yields the URL it prints."""
    with serving_metrics(
        initialised, "worker", *WORKER_OPTIONS, log_name="worker.err", wait_until=wait_until
    ) as url:
        yield url


def test_worker_counters_match_the_event_log_after_twenty_plans(
    initialised: Cli, worker_with_metrics: str, view: StoreView, wait_until: Callable[..., None]
) -> None:
    settings = Settings(store_url=initialised.store, actor="tester")
    with (
        work_queue(settings, "submit") as queue,
        planledger(settings, create_tables=False) as service,
    ):
        plan_ids = [
            submit(
                service, queue, plan_number(n), by="t", key=None, approve_as=None, new_id=uuid4()
            )
            for n in range(1, PLANS + 1)
        ]

    def every_end_counted() -> bool:
        ended = by_label(scrape(worker_with_metrics), "planledger_plans_ended_total", "status")
        return sum(ended.values()) == PLANS

    wait_until(view.all_done, timeout=90, what="every plan to end")
    wait_until(every_end_counted, timeout=10, what="the worker to count the last end")
    metrics = scrape(worker_with_metrics)
    events: list[PlanEvent] = [event for plan_id in plan_ids for event in view.history(plan_id)]

    def tools_of(kind: type[StepEvent]) -> dict[str, int]:
        return dict(Counter(event.tool for event in events if isinstance(event, kind)))

    assert by_label(metrics, "planledger_steps_started_total", "tool") == tools_of(StepStarted)
    assert by_label(metrics, "planledger_steps_completed_total", "tool") == tools_of(StepCompleted)
    failed, timed_out = tools_of(StepFailed), tools_of(StepTimedOut)
    assert by_label(metrics, "planledger_steps_failed_total", "tool") == failed
    assert (
        by_label(metrics, "planledger_steps_timed_out_total", "tool") == timed_out == {"sleep": 4}
    )
    ended = Counter(TERMINAL_EVENTS[type(e)].value for e in events if type(e) in TERMINAL_EVENTS)
    assert by_label(metrics, "planledger_plans_ended_total", "status") == dict(ended)
    assert dict(ended) == {"completed": 12, "partial": 8}
    completed = sum(tools_of(StepCompleted).values())
    durations = by_label(metrics, "planledger_step_duration_seconds_count", "outcome")
    assert durations == {"completed": completed, "failed": 10, "timed_out": 4}
    by_type = by_label(metrics, "planledger_events_appended_total", "type")
    in_log = Counter(type(event).__name__ for event in events)
    submitted = ("PlanCreated", "PlanSubmitted")  # appended by `submit`, not by the worker
    assert by_type == {name: n for name, n in in_log.items() if name not in submitted}
    assert metrics["planledger_queue_depth", ()] == 0
    assert metrics["planledger_lease_takeovers_total", ()] == 0
    assert metrics["planledger_queue_claimed_plans_total", ()] >= PLANS
    assert metrics["planledger_queue_claim_seconds_count", ()] >= 1
