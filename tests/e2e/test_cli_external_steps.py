"""External steps from the command line: `step complete|fail` reported by another process.

The first tests run twice: on the store, and through `--server` to a `serve` on it, where the
reporter is the token's principal; output and exit codes are the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from core.domain.events import StepCompleted, StepStarted
from core.domain.external_steps import EXTERNAL_WORKER
from core.domain.status import PlanStatus, StepStatus

from .conftest import Cli
from .workers import StoreView, WorkerProcess, shell_step, spec

DEADLINE_S = 45.0


def external(step_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": step_id, "tool": "external", **fields}


def mixed_plan() -> dict[str, Any]:
    return spec(
        shell_step("build", "echo built"),
        external(
            "approve-release",
            depends_on=["build"],
            parameters={"instructions": "check the build: {{ steps.build.result.stdout }}"},
        ),
        shell_step(
            "publish",
            "echo publishing {{ steps['approve-release'].result.tag }}",
            depends_on=["approve-release"],
        ),
    )


def awaited_step(cli: Cli, plan_id: str) -> str | None:
    status = cli("status", plan_id, "--json")
    steps = status.json()["steps"] if status.stdout.strip() else []
    running = [s["id"] for s in steps if s["status"] == "running"]
    return running[0] if running else None


def test_a_running_plan_goes_on_when_another_process_completes_its_external_step(
    cli_here_or_remote: Cli, tmp_path: Path, wait_until: Any
) -> None:
    cli = cli_here_or_remote
    plan_file = cli.write_spec(mixed_plan())
    created = cli("create", plan_file, "--by", "alice")
    plan_id = created.stdout.strip()
    runner = cli.start("execute", plan_id, "--json", output=tmp_path / "run.out")
    try:
        wait_until(
            lambda: awaited_step(cli, plan_id) == "approve-release",
            timeout=DEADLINE_S,
            what="the external step to await its outcome",
        )
        refused = cli("step", "complete", plan_id, "build", "--by", "quinn")
        reported = cli(
            "step",
            "complete",
            plan_id,
            "approve-release",
            "--result-json",
            '{"tag": "v1.2"}',
            "--by",
            "quinn",
        )
        assert runner.wait(timeout=DEADLINE_S) == 0
    finally:
        runner.kill()

    assert refused.exit_code == 2, refused
    assert "the engine carries it out" in refused.stderr
    assert reported.exit_code == 0, reported
    assert "approve-release completed" in reported.stdout
    final = json.loads((tmp_path / "run.out").read_text())
    assert final["status"] == "completed"
    steps = {s["id"]: s for s in final["steps"]}
    assert steps["publish"]["result"]["stdout"].strip() == "publishing v1.2"
    trail = cli("history", plan_id, "--json").json()
    done = [r for r in trail if r["type"] == "StepCompleted" and r["step_id"] == "approve-release"]
    assert [r["actor"] for r in done] == ["quinn"]
    assert cli("audit", "verify", "--all").exit_code == 0


def test_step_fail_records_the_reporter_and_the_plan_fails_as_its_policy_says(
    cli_here_or_remote: Cli, tmp_path: Path, wait_until: Any
) -> None:
    cli = cli_here_or_remote
    plan_file = cli.write_spec(
        spec(external("ask"), shell_step("after", "echo no", depends_on=["ask"]))
    )
    plan_id = cli("create", plan_file, "--by", "alice").stdout.strip()
    runner = cli.start("execute", plan_id, "--json", output=tmp_path / "run.out")
    try:
        wait_until(lambda: awaited_step(cli, plan_id) == "ask", timeout=DEADLINE_S, what="ask")
        failed = cli(
            "step", "fail", plan_id, "ask", "--error", "the customer said no", "--by", "bob"
        )
        assert runner.wait(timeout=DEADLINE_S) == 1
    finally:
        runner.kill()

    assert failed.exit_code == 0, failed
    assert failed.stdout.startswith(f"{plan_id} step ask failed; plan "), failed
    final = json.loads((tmp_path / "run.out").read_text())
    assert final["status"] == "failed"
    steps = {s["id"]: s for s in final["steps"]}
    assert steps["ask"]["error"]["message"] == "the customer said no"
    assert steps["after"]["status"] == "skipped"
    trail = cli("history", plan_id, "--json").json()
    assert [r["actor"] for r in trail if r["type"] == "StepFailed"] == ["bob"]


def test_bad_reports_exit_2_and_write_nothing(cli_here_or_remote: Cli) -> None:
    cli = cli_here_or_remote
    plan_id = cli("create", cli.write_spec(spec(external("ask"))), "--by", "a").stdout.strip()
    before = cli.stored_event_count()

    not_json = cli("step", "complete", plan_id, "ask", "--result-json", "{oops", "--by", "x")
    not_awaited = cli("step", "complete", plan_id, "ask", "--by", "x")
    no_error = cli("step", "fail", plan_id, "ask", "--by", "x")

    assert not_json.exit_code == 2
    assert "--result-json is not JSON" in not_json.stderr
    assert not_awaited.exit_code == 2
    assert "no outcome is awaited" in not_awaited.stderr
    assert no_error.exit_code == 2
    assert cli.stored_event_count() == before


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_runs_the_engine_steps_around_an_external_step_on_postgres(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    plan_file = initialised.write_spec(mixed_plan())
    submitted = initialised("submit", plan_file)
    assert submitted.exit_code == 0, submitted
    plan_id = UUID(submitted.stdout.strip())
    worker = workers(initialised, "w-1", concurrency=1)

    wait_until(
        lambda: view.plan(plan_id).steps["approve-release"].status is StepStatus.RUNNING,
        timeout=DEADLINE_S,
        what="the external step to await its outcome",
    )
    wait_until(
        lambda: (plan_id, None, False) in view.work_rows(),
        timeout=DEADLINE_S,
        what="the worker to hand the waiting plan back",
    )
    reported = initialised(
        "step",
        "complete",
        str(plan_id),
        "approve-release",
        "--result-json",
        '{"tag": "v2"}',
        "--by",
        "release-bot",
    )
    wait_until(view.all_done, timeout=DEADLINE_S, what="the plan to be done")

    assert reported.exit_code == 0, reported
    assert worker.running, worker.stderr()
    plan = view.plan(plan_id)
    assert plan.status is PlanStatus.COMPLETED, plan.reason
    history = view.history(plan_id)
    workers_of = {e.step_id: e.worker for e in history if isinstance(e, StepStarted)}
    assert workers_of == {"build": "w-1", "approve-release": EXTERNAL_WORKER, "publish": "w-1"}
    [done] = [e for e in history if isinstance(e, StepCompleted) and e.step_id == "approve-release"]
    assert done.actor == "release-bot"
