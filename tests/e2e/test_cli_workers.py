"""Workers on PostgreSQL, driven as a user would: `db init`, `submit`, `wait`, `worker` processes.

Tools are `shell` steps whose side effects land in files of the test's directory, so the files
prove how often each effect happened, whatever the event log says.
"""

from __future__ import annotations

import subprocess
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.bootstrap import planledger, work_queue
from adapters.settings import Settings
from adapters.workers import submit
from core.domain.events import PlanResumed, StepFailed, StepInterrupted, StepStarted
from core.domain.status import PlanStatus

from .api_server import RemoteCli
from .conftest import PLANLEDGER, Cli, cli_environment
from .workers import (
    StoreView,
    WorkerProcess,
    completed_attempts,
    iter_lines,
    shell_step,
    spec,
    terminate_backends,
)

pytestmark = pytest.mark.slow

LEASE_S = 2.0
TAKEOVER_BOUND_S = 8.0
"""Lease (2 s) + a claim poll (0.5 s) + process start-up, with room for a loaded machine."""


@pytest.mark.postgres
def test_db_init_succeeds_twice_and_from_several_processes_at_once(pg_cli: Cli) -> None:
    argv = [str(PLANLEDGER), "--store", pg_cli.store, "db", "init"]
    processes = [
        subprocess.Popen(
            argv,
            cwd=pg_cli.cwd,
            env=cli_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    again = pg_cli("db", "init")

    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    assert again.exit_code == 0, again
    assert "work table" in again.stdout


@pytest.mark.postgres
def test_worker_refuses_a_store_that_was_never_initialised(pg_cli: Cli) -> None:
    result = pg_cli("worker", "--lease-s", "2")

    assert result.exit_code == 2, result
    assert "planledger db init" in result.stderr


def test_worker_and_submit_refuse_sqlite_with_a_clear_message(cli: Cli) -> None:
    plan = cli.write_spec(spec(shell_step("a", "true")))

    worker = cli("worker")
    submitted = cli("submit", plan)

    assert worker.exit_code == 2, worker
    assert "needs a PostgreSQL store" in worker.stderr
    assert submitted.exit_code == 2, submitted
    assert "needs a PostgreSQL store" in submitted.stderr


def test_wait_on_sqlite_follows_a_plan_by_polling_and_exits_as_run_does(cli: Cli) -> None:
    failing = cli.write_spec(spec(shell_step("a", "exit 3")))
    plan_id = cli("create", failing).stdout.strip()
    assert cli("execute", plan_id).exit_code == 1

    waited = cli("wait", plan_id, "--timeout", "10", "--json")

    assert waited.exit_code == 1, waited
    assert waited.json()["status"] == "failed"


@pytest.mark.postgres
def test_submit_with_a_used_key_returns_the_same_plan_even_when_submitted_at_once(
    initialised: Cli, view: StoreView
) -> None:
    plan = initialised.write_spec(spec(shell_step("a", "true")))
    argv = [str(PLANLEDGER), "--store", initialised.store, "submit", plan, "--key", "k-race"]

    first = initialised("submit", plan, "--key", "k-1")
    second = initialised("submit", plan, "--key", "k-1")
    racing = [
        subprocess.Popen(
            argv, cwd=initialised.cwd, env=cli_environment(), stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    raced = [process.communicate(timeout=60)[0].strip() for process in racing]

    assert first.exit_code == second.exit_code == 0, (first, second)
    assert first.stdout == second.stdout
    assert [process.returncode for process in racing] == [0, 0, 0]
    assert len(set(raced)) == 1
    assert view.plan_ids_in_events() == {uuid.UUID(first.stdout.strip()), uuid.UUID(raced[0])}
    assert len(view.work_rows()) == 2


@pytest.mark.postgres
def test_submit_refuses_a_bad_key_naming_the_option(initialised: Cli) -> None:
    plan = initialised.write_spec(spec(shell_step("a", "true")))

    result = initialised("submit", plan, "--key", " ")

    assert result.exit_code == 2, result
    assert "--key" in result.stderr


@pytest.mark.postgres
def test_wait_with_a_timeout_exits_124_while_the_plan_waits_for_approval(
    initialised: Cli,
) -> None:
    plan = initialised.write_spec(spec(shell_step("a", "true"), require_approval=True))
    plan_id = initialised("submit", plan).stdout.strip()

    result = initialised("wait", plan_id, "--timeout", "0.5", "--json")

    assert result.exit_code == 124, result
    assert result.json()["status"] == "pending_approval"


@pytest.mark.postgres
def test_submit_approve_as_approves_a_plan_that_needs_approval(
    initialised: Cli, view: StoreView
) -> None:
    plan = initialised.write_spec(spec(shell_step("a", "true"), require_approval=True))

    plan_id = initialised("submit", plan, "--approve-as", "alice").stdout.strip()

    approved = view.plan(plan_id)
    assert approved.status is PlanStatus.APPROVED
    assert approved.approved_by == "alice"


@pytest.mark.postgres
def test_two_workers_share_twenty_plans_and_no_attempt_completes_twice(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    settings = Settings(store_url=initialised.store, actor="tester")
    document = spec(
        shell_step("a", "sleep 0.05"),
        shell_step("b", "sleep 0.05", depends_on=["a"]),
        shell_step("c", "sleep 0.05", depends_on=["a"]),
        shell_step("d", "true", depends_on=["b", "c"]),
    )
    with (
        work_queue(settings, "submit") as queue,
        planledger(settings, create_tables=False) as service,
    ):
        plan_ids = [
            submit(service, queue, document, by="t", key=None, approve_as=None, new_id=uuid.uuid4())
            for _ in range(20)
        ]
    first = workers(initialised, "w-a", lease_s=LEASE_S)
    second = workers(initialised, "w-b", lease_s=LEASE_S)

    wait_until(view.all_done, timeout=90, what="every plan done")

    assert first.running, first.stderr()
    assert second.running, second.stderr()
    starters: Counter[str] = Counter()
    for plan_id in plan_ids:
        history = view.history(plan_id)
        assert view.plan(plan_id).status is PlanStatus.COMPLETED
        assert max(completed_attempts(history).values()) == 1
        assert set(completed_attempts(history)) == {(s, 1) for s in "abcd"}
        starters.update(e.worker for e in history if isinstance(e, StepStarted))
    assert set(starters) == {"w-a", "w-b"}, starters
    assert [owner for _, owner, _ in view.work_rows()] == [None] * 20


@pytest.mark.postgres
def test_a_killed_workers_plans_are_taken_over_within_the_lease_bound(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    idempotent = initialised.write_spec(
        spec(
            shell_step(
                "work",
                "if [ -e idem.started ]; then echo again >> idem.log; "
                "else touch idem.started; echo first >> idem.log; sleep 60; fi",
            )
        ),
        "idempotent.yaml",
    )
    once_only = initialised.write_spec(
        spec(shell_step("charge", "echo once >> once.log; sleep 60", idempotent=False)),
        "once.yaml",
    )
    idem_id = initialised("submit", idempotent).stdout.strip()
    once_id = initialised("submit", once_only).stdout.strip()
    doomed = workers(initialised, "w-doomed", lease_s=LEASE_S)
    wait_until(
        lambda: (
            list(iter_lines(initialised.cwd / "idem.log"))
            and list(iter_lines(initialised.cwd / "once.log"))
        ),
        timeout=30,
        what="both steps running on the first worker",
    )

    doomed.kill_9()
    killed_at = datetime.now(UTC)
    workers(initialised, "w-heir", lease_s=LEASE_S)
    wait_until(view.all_done, timeout=30, what="both plans taken over and ended")

    idem_history = view.history(idem_id)
    [interrupted] = [e for e in idem_history if isinstance(e, StepInterrupted)]
    assert (interrupted.step_id, interrupted.attempt, interrupted.worker) == ("work", 1, "w-doomed")
    assert (interrupted.timestamp - killed_at).total_seconds() < TAKEOVER_BOUND_S
    [resumed] = [e for e in idem_history if isinstance(e, PlanResumed)]
    assert resumed.by == "w-heir"
    assert resumed.interrupted_steps == ("work",)
    starts = [(e.attempt, e.worker) for e in idem_history if isinstance(e, StepStarted)]
    assert starts == [(1, "w-doomed"), (2, "w-heir")]
    assert completed_attempts(idem_history) == {("work", 2): 1}
    assert view.plan(idem_id).status is PlanStatus.COMPLETED
    assert list(iter_lines(initialised.cwd / "idem.log")) == ["first", "again"]

    once_history = view.history(once_id)
    [failed] = [e for e in once_history if isinstance(e, StepFailed)]
    assert failed.error_type == "interrupted"
    assert "w-doomed" in failed.message
    assert (failed.timestamp - killed_at).total_seconds() < TAKEOVER_BOUND_S
    assert [e.worker for e in once_history if isinstance(e, StepStarted)] == ["w-doomed"]
    assert view.plan(once_id).status is PlanStatus.FAILED
    assert list(iter_lines(initialised.cwd / "once.log")) == ["once"]


@pytest.mark.postgres
def test_sigterm_lets_the_running_step_finish_then_exits_0_holding_no_lease(
    initialised: Cli, view: StoreView, workers: Callable[..., WorkerProcess], wait_until: Any
) -> None:
    plan = initialised.write_spec(
        spec(
            shell_step("slow", "touch slow.started; sleep 1.5; echo done >> slow.log"),
            shell_step("next", "echo next >> next.log", depends_on=["slow"]),
        )
    )
    plan_id = initialised("submit", plan).stdout.strip()
    leaving = workers(initialised, "w-leaving", lease_s=LEASE_S, grace_s=20)
    wait_until(
        lambda: (initialised.cwd / "slow.started").exists(), timeout=30, what="the slow step"
    )

    code = leaving.terminate(timeout=20)

    assert code == 0, leaving.stderr()
    history = view.history(plan_id)
    assert completed_attempts(history) == {("slow", 1): 1}
    assert not any(isinstance(e, StepStarted) and e.step_id == "next" for e in history)
    assert list(iter_lines(initialised.cwd / "slow.log")) == ["done"]
    assert [(owner, done) for _, owner, done in view.work_rows()] == [(None, False)]

    workers(initialised, "w-next", lease_s=LEASE_S)
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    assert waited.exit_code == 0, waited
    assert waited.json()["status"] == "completed"
    starts = {e.step_id: e.worker for e in view.history(plan_id) if isinstance(e, StepStarted)}
    assert starts == {"slow": "w-leaving", "next": "w-next"}


@pytest.mark.postgres
def test_a_worker_goes_on_after_its_database_connections_are_terminated(
    initialised: Cli,
    view: StoreView,
    workers: Callable[..., WorkerProcess],
    postgres_available: str,
    wait_until: Any,
) -> None:
    app_name = f"planledger-test-{uuid.uuid4().hex[:8]}"
    plan = initialised.write_spec(spec(shell_step("a", "true")))
    survivor = workers(initialised, "w-survivor", lease_s=LEASE_S, app_name=app_name)
    before = initialised("submit", plan).stdout.strip()
    assert initialised("wait", before, "--timeout", "30").exit_code == 0

    terminated = terminate_backends(postgres_available, app_name)
    after = initialised("submit", plan).stdout.strip()
    waited = initialised("wait", after, "--timeout", "30", "--json")

    assert terminated >= 2
    assert waited.exit_code == 0, (waited, survivor.stderr())
    assert survivor.running
    starts = [e.worker for e in view.history(after) if isinstance(e, StepStarted)]
    assert starts == ["w-survivor"]


@pytest.mark.postgres
def test_resume_of_a_plan_a_live_worker_holds_is_refused_here_and_through_a_server(
    initialised: Cli,
    view: StoreView,
    workers: Callable[..., WorkerProcess],
    wait_until: Any,
    tmp_path: Path,
) -> None:
    held = "touch held.started; while [ ! -f go ]; do sleep 0.05; done; echo done >> held.log"
    plan_id = initialised("submit", initialised.write_spec(spec(shell_step("held", held))))
    plan_id = plan_id.stdout.strip()
    workers(initialised, "w-busy", lease_s=LEASE_S)
    wait_until(lambda: (initialised.cwd / "held.started").exists(), timeout=30, what="the step")

    here = initialised("resume", plan_id)
    for remote in RemoteCli.serving(initialised, tmp_path):
        there = remote("resume", plan_id)
    (initialised.cwd / "go").touch()
    waited = initialised("wait", plan_id, "--timeout", "30", "--json")

    for refused in (here, there):
        assert refused.exit_code == 2, refused
        assert f"cannot resume plan {plan_id}: it is being run by worker w-busy" in refused.stderr
    assert waited.json()["status"] == "completed"
    assert list(iter_lines(initialised.cwd / "held.log")) == ["done"]
    history = view.history(plan_id)
    assert [e.step_id for e in history if isinstance(e, StepStarted)] == ["held"]
    assert not any(isinstance(e, PlanResumed) for e in history)
