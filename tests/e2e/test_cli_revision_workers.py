"""A plan revised while a real `planledger worker` runs it on PostgreSQL.

Shell steps append to `calls.log`, so the file proves which steps ran and how often.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from core.domain.events import StepAdded, StepRemoved, StepStarted

from .conftest import Cli
from .workers import StoreView, WorkerProcess, iter_lines, shell_step, spec

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WAIT_FOR_RELEASE = "for i in $(seq 600); do [ -e release ] && break; sleep 0.05; done"
"""The running step holds until the test has revised the plan (at most 30 s)."""


def test_steps_added_and_removed_while_a_worker_runs_the_plan_are_run_and_left_out(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    plan = initialised.write_spec(
        spec(
            shell_step("slow", f"touch slow.started; {WAIT_FOR_RELEASE}; echo slow >> calls.log"),
            shell_step("docs", "echo docs >> calls.log", depends_on=["slow"]),
        )
    )
    plan_id = initialised("submit", plan).stdout.strip()
    worker = workers(initialised, "w-revise", lease_s=2.0)
    wait_until(lambda: (initialised.cwd / "slow.started").exists(), timeout=30, what="slow")

    smoke = shell_step("smoke", "echo smoke >> calls.log", depends_on=["slow"])
    added = initialised(
        "revise", "add", plan_id, "--step-json", json.dumps(smoke), "--by", "bob",
        "--reason", "smoke test after slow",
    )  # fmt: skip
    removed = initialised(
        "revise", "remove", plan_id, "docs", "--by", "bob", "--reason", "built elsewhere"
    )
    (initialised.cwd / "release").touch()
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    assert added.exit_code == 0, added
    assert removed.exit_code == 0, removed
    assert waited.exit_code == 0, (waited, worker.stderr())
    assert waited.json()["status"] == "completed"
    assert sorted(iter_lines(initialised.cwd / "calls.log")) == ["slow", "smoke"]
    history = view.history(plan_id)
    [added_at] = [e.version for e in history if isinstance(e, StepAdded)]
    assert [type(e) for e in history if isinstance(e, StepAdded | StepRemoved)] == [
        StepAdded,
        StepRemoved,
    ]
    smoke_started = [e.version for e in history if isinstance(e, StepStarted)][1:]
    assert len(smoke_started) == 1
    assert smoke_started[0] > added_at
