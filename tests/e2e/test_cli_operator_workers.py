"""Operator controls on PostgreSQL with a real `planledger worker`: pause, unpause, retry, skip.

Shell steps append to `calls.log` in the test's directory, so the file proves which steps ran
and how often, whatever the event log says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.domain.events import PlanPaused, PlanUnpaused, StepCompleted, StepStarted
from core.domain.status import PlanStatus

from .conftest import Cli
from .workers import StoreView, WorkerProcess, iter_lines, shell_step, spec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LEASE_S = 2.0
WAIT_FOR_RELEASE = "for i in $(seq 600); do [ -e release ] && break; sleep 0.05; done"
"""The running step holds until the test has paused the plan (at most 30 s)."""


def calls(cli: Cli) -> list[str]:
    return list(iter_lines(cli.cwd / "calls.log"))


def starts(view: StoreView, plan_id: str) -> list[tuple[str, int]]:
    return [(e.step_id, e.attempt) for e in view.history(plan_id) if isinstance(e, StepStarted)]


def test_a_plan_paused_on_a_worker_starts_nothing_until_unpaused_then_completes(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    plan = initialised.write_spec(
        spec(
            shell_step("slow", f"touch slow.started; {WAIT_FOR_RELEASE}; echo slow >> calls.log"),
            shell_step("next", "echo next >> calls.log", depends_on=["slow"]),
        )
    )
    plan_id = initialised("submit", plan).stdout.strip()
    worker = workers(initialised, "w-ops", lease_s=LEASE_S)
    wait_until(lambda: (initialised.cwd / "slow.started").exists(), timeout=30, what="slow")

    paused = initialised("pause", plan_id, "--by", "olga", "--reason", "freeze")
    (initialised.cwd / "release").touch()
    wait_until(
        lambda: any(isinstance(e, StepCompleted) for e in view.history(plan_id)),
        timeout=30,
        what="the running step to finish and be recorded",
    )
    wait_until(
        lambda: [owner for _, owner, _ in view.work_rows()] == [None],
        timeout=30,
        what="the worker to hand the paused plan back",
    )
    held = view.plan(plan_id)
    unpaused = initialised("unpause", plan_id, "--by", "olga", "--reason", "thaw")
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    assert paused.exit_code == 0, paused
    assert held.status is PlanStatus.EXECUTING
    assert held.paused
    assert calls(initialised) == ["slow", "next"]
    assert unpaused.exit_code == 0, unpaused
    assert waited.exit_code == 0, (waited, worker.stderr())
    assert waited.json()["status"] == "completed"
    history = view.history(plan_id)
    [pause_at] = [e.version for e in history if isinstance(e, PlanPaused)]
    [unpause_at] = [e.version for e in history if isinstance(e, PlanUnpaused)]
    started_between = [
        e.step_id
        for e in history
        if isinstance(e, StepStarted) and pause_at < e.version < unpause_at
    ]
    assert started_between == []
    assert starts(view, plan_id) == [("slow", 1), ("next", 1)]


def test_a_retry_of_a_finished_plan_reruns_only_the_failed_step_and_what_it_skipped(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    plan = initialised.write_spec(
        spec(
            shell_step("first", "echo first >> calls.log"),
            shell_step(
                "flaky", "echo flaky >> calls.log; test -e fixed.flag", depends_on=["first"]
            ),
            shell_step("after", "echo after >> calls.log", depends_on=["flaky"]),
        )
    )
    plan_id = initialised("submit", plan).stdout.strip()
    workers(initialised, "w-ops", lease_s=LEASE_S)
    assert initialised("wait", plan_id, "--timeout", "30").exit_code == 1
    assert view.all_done()

    (initialised.cwd / "fixed.flag").touch()
    retried = initialised("retry", plan_id, "flaky", "--by", "olga", "--reason", "fixed it")
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    assert retried.exit_code == 0, retried
    assert "executing" in retried.stdout
    assert waited.exit_code == 0, waited
    assert waited.json()["status"] == "completed"
    assert calls(initialised) == ["first", "flaky", "flaky", "after"]
    assert starts(view, plan_id) == [("first", 1), ("flaky", 1), ("flaky", 2), ("after", 1)]
    assert view.all_done()


def test_a_skip_lets_the_dependants_of_a_failed_step_run_on_a_worker(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess]
) -> None:
    plan = initialised.write_spec(
        spec(
            shell_step("broken", "echo broken >> calls.log; exit 3"),
            shell_step("after", "echo after >> calls.log", depends_on=["broken"]),
        )
    )
    plan_id = initialised("submit", plan).stdout.strip()
    workers(initialised, "w-ops", lease_s=LEASE_S)
    assert initialised("wait", plan_id, "--timeout", "30").exit_code == 1

    skipped = initialised("skip", plan_id, "broken", "--by", "olga", "--reason", "known issue")
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    assert skipped.exit_code == 0, skipped
    assert waited.exit_code == 0, waited
    steps = {step["id"]: step for step in waited.json()["steps"]}
    assert steps["broken"]["status"] == "skipped"
    assert steps["broken"]["skip_reason"] == "skipped by olga: known issue"
    assert steps["after"]["status"] == "completed"
    assert calls(initialised) == ["broken", "after"]
