"""kill -9 in the middle of `planledger run`, then `planledger resume`: no step lost or doubled.

Each step of an 8-step chain appends its id to `effects.log` (in the test's directory, the
engine's working directory) and then sleeps briefly, so the kill lands while a step runs. A
`sh` orphaned by the kill exits by itself within that sleep; it has written its line already.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Cli

STEP_IDS = [f"s{number}" for number in range(1, 9)]
EFFECTS = "effects.log"


def chain_spec(*, idempotent: bool) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for index, step_id in enumerate(STEP_IDS):
        step: dict[str, Any] = {
            "id": step_id,
            "tool": "shell",
            "idempotent": idempotent,
            "parameters": {"command": f"echo {step_id} >> {EFFECTS}; sleep 0.3", "shell": True},
        }
        if index:
            step["depends_on"] = [STEP_IDS[index - 1]]
        steps.append(step)
    return {"description": "eight steps in a chain, each with a side effect", "steps": steps}


def effects(cli: Cli) -> list[str]:
    path = cli.cwd / EFFECTS
    return path.read_text().split() if path.exists() else []


def run_and_kill_after_three_effects(cli: Cli, spec: str, wait_until: Callable[..., None]) -> str:
    """Start `run`, SIGKILL it once three steps have had their effect; return the plan id."""
    output = cli.cwd / "run.out"
    process = cli.start("run", spec, output=output)

    def three_effects_while_running() -> bool:
        assert process.poll() is None, output.with_suffix(".err").read_text()
        return len(effects(cli)) >= 3

    try:
        wait_until(three_effects_while_running, timeout=20, what="three side effects")
    finally:
        process.send_signal(signal.SIGKILL)  # a no-op if the process has already ended
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    first_line = output.read_text().splitlines()[0]
    assert first_line.startswith("plan ")
    return first_line.removeprefix("plan ")


def split_history(records: list[dict[str, Any]]) -> tuple[set[str], list[str]]:
    """Steps completed before the resume, and the steps the resume found left running."""
    [resumed] = [record for record in records if record["type"] == "PlanResumed"]
    completed_before = {
        record["step_id"]
        for record in records
        if record["type"] == "StepCompleted" and record["version"] < resumed["version"]
    }
    return completed_before, list(resumed["interrupted_steps"])


@pytest.mark.slow
def test_resume_after_kill_9_finishes_the_plan_rerunning_only_the_interrupted_idempotent_step(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    spec = cli.write_spec(chain_spec(idempotent=True))
    plan_id = run_and_kill_after_three_effects(cli, spec, wait_until)

    resumed = cli("resume", plan_id, "--json")
    history = cli("history", plan_id, "--json")

    assert resumed.exit_code == 0, resumed
    view = resumed.json()
    assert view["status"] == "completed"
    assert {step["status"] for step in view["steps"]} == {"completed"}
    completed_before, interrupted = split_history(history.json())
    assert {"s1", "s2"} <= completed_before
    [running_at_kill] = interrupted
    counts = Counter(effects(cli))
    assert set(counts) == set(STEP_IDS)
    for step_id in STEP_IDS:
        expected = (1, 2) if step_id == running_at_kill else (1,)
        assert counts[step_id] in expected, (step_id, counts)
    attempts = {step["id"]: step["attempts"] for step in view["steps"]}
    assert attempts == {step_id: 2 if step_id == running_at_kill else 1 for step_id in STEP_IDS}


@pytest.mark.slow
def test_resume_after_kill_9_fails_an_interrupted_non_idempotent_step_instead_of_rerunning_it(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    spec = cli.write_spec(chain_spec(idempotent=False))
    plan_id = run_and_kill_after_three_effects(cli, spec, wait_until)

    resumed = cli("resume", plan_id, "--json")
    history = cli("history", plan_id, "--json")

    assert resumed.exit_code == 1, resumed
    view = resumed.json()
    assert view["status"] == "failed"
    completed_before, interrupted = split_history(history.json())
    [running_at_kill] = interrupted
    steps = {step["id"]: step for step in view["steps"]}
    assert steps[running_at_kill]["status"] == "failed"
    assert steps[running_at_kill]["error"]["type"] == "interrupted"
    assert steps[running_at_kill]["attempts"] == 1
    position = STEP_IDS.index(running_at_kill)
    assert set(STEP_IDS[:position]) == completed_before
    assert {steps[step_id]["status"] for step_id in STEP_IDS[:position]} == {"completed"}
    assert {steps[step_id]["status"] for step_id in STEP_IDS[position + 1 :]} == {"skipped"}
    counts = Counter(effects(cli))
    assert all(count == 1 for count in counts.values()), counts
    assert set(counts) <= set(STEP_IDS[: position + 1])
    assert set(STEP_IDS[:position]) <= set(counts)
