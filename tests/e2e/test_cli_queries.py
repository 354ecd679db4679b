"""The read-side commands as a user drives them: plans, tools, projections, history, projector."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import CALL_TIMEOUT_S, Cli, cli_environment


def plan_id_of(cli: Cli, *args: str) -> str:
    """Create a plan with `create` and return its id."""
    result = cli("create", *args)
    assert result.exit_code == 0, result
    return result.stdout.strip()


def lags(cli: Cli) -> dict[str, int]:
    result = cli("projections", "status", "--json")
    assert result.exit_code == 0, result
    return {item["name"]: item["lag_events"] for item in result.json()}


def append_plans_elsewhere(cli: Cli, count: int) -> None:
    """Run `count` plans from another process that writes events but projects nothing."""
    script = textwrap.dedent(
        f"""
        from adapters.expressions import JinjaExpressions
        from adapters.json_schema_checker import JsonSchemaChecker
        from adapters.store import open_event_store, parse_store_url
        from adapters.system_clock import RandomIds, SystemClock
        from adapters.tools import builtin_registry
        from core.runtime.service import PlanService

        store = open_event_store(parse_store_url({cli.store!r}))
        service = PlanService(
            store, builtin_registry(None), SystemClock(), RandomIds(),
            expressions=JinjaExpressions(), json_schemas=JsonSchemaChecker(), worker="w",
        )
        for index in range({count}):
            steps = [{{"id": f"s{{n}}", "tool": "echo", "parameters": {{"value": n}}}}
                     for n in range(3)]
            service.run({{"description": f"elsewhere {{index}}", "steps": steps}}, by="script")
        store.close()
        """
    )
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=cli.cwd,
        env=cli_environment(),
        check=True,
        timeout=CALL_TIMEOUT_S * 4,
    )


def test_plans_show_prints_what_status_prints(cli_on_each_store: Cli) -> None:
    cli = cli_on_each_store
    ran = cli("run", cli.spec("release_needs_approval.yaml"), "--approve-as", "alice", "--json")
    failed = cli("run", cli.spec("check_fails.yaml"), "--json")

    for plan_id in (ran.json()["id"], failed.json()["id"]):
        shown = cli("plans", "show", plan_id, "--json")
        status = cli("status", plan_id, "--json")

        assert shown.exit_code == 0, shown
        assert shown.json() == status.json()
    human = cli("plans", "show", ran.json()["id"])
    assert human.exit_code == 0, human
    assert "publish" in human.stdout


def test_plans_list_pages_newest_first_with_the_printed_cursor(cli: Cli) -> None:
    spec = cli.spec("release_needs_approval.yaml")
    ids = [plan_id_of(cli, spec) for _ in range(3)]
    failed = cli("run", cli.spec("check_fails.yaml"), "--json").json()["id"]

    first = cli("plans", "list", "--limit", "2", "--json")
    second = cli("plans", "list", "--limit", "2", "--cursor", first.json()["next_cursor"], "--json")
    waiting = cli("plans", "list", "--status", "pending_approval", "--json")
    by_text = cli("plans", "list", "--text", "SHIP ONLY", "--json")
    human = cli("plans", "list", "--limit", "2")

    assert [p["id"] for p in first.json()["plans"] + second.json()["plans"]] == [
        failed,
        *reversed(ids),
    ]
    assert second.json()["next_cursor"] is None
    assert [p["id"] for p in waiting.json()["plans"]] == list(reversed(ids))
    assert [p["id"] for p in by_text.json()["plans"]] == [failed]
    assert f"--cursor {first.json()['next_cursor']}" in human.stdout
    assert failed in human.stdout


def test_tools_stats_counts_calls_and_failures_per_tool(cli: Cli) -> None:
    cli("run", cli.spec("check_fails.yaml"))
    cli("run", cli.spec("release_needs_approval.yaml"), "--approve-as", "alice")

    result = cli("tools", "stats", "--json")
    human = cli("tools", "stats")

    assert result.exit_code == 0, result
    stats = {item["tool"]: item for item in result.json()}
    assert (stats["shell"]["calls"], stats["shell"]["failures"]) == (2, 1)
    assert (stats["echo"]["calls"], stats["echo"]["completed"]) == (2, 2)
    assert isinstance(stats["echo"]["p95_ms"], int)
    assert "shell" in human.stdout


def test_every_writing_command_leaves_the_views_current_and_rebuild_keeps_them(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    plan_id = plan_id_of(cli, cli.spec("release_needs_approval.yaml"))
    assert lags(cli) == dict.fromkeys(lags(cli), 0)
    cli("approve", plan_id, "--by", "alice")
    cli("execute", plan_id)
    before = cli("plans", "show", plan_id, "--json").json()

    rebuilt = cli("projections", "rebuild")
    one = cli("projections", "rebuild", "audit_log")

    assert set(lags(cli).values()) == {0}
    assert rebuilt.exit_code == 0, rebuilt
    assert "plan_summary: rebuilt at position" in rebuilt.stdout
    assert one.stdout.startswith("audit_log: rebuilt")
    assert cli("plans", "show", plan_id, "--json").json() == before
    assert before["status"] == "completed"


def test_history_with_a_step_prints_its_attempts_and_without_prints_events(cli: Cli) -> None:
    plan_id = cli("run", cli.spec("check_fails.yaml"), "--json").json()["id"]

    check = cli("history", plan_id, "--step", "check", "--json")
    timeline = cli("history", plan_id, "--timeline")
    events = cli("history", plan_id, "--json")

    assert check.exit_code == 0, check
    assert [(a["step_id"], a["attempt"], a["status"]) for a in check.json()] == [
        ("check", 1, "failed")
    ]
    assert check.json()[0]["error_type"] == "exit_code"
    assert "check" in timeline.stdout
    assert events.json()[0]["type"] == "PlanCreated"


def test_unknown_plans_projections_and_cursors_exit_2(cli: Cli) -> None:
    cli("create", cli.spec("check_fails.yaml"))

    results = [
        cli("plans", "show", "00000000-0000-0000-0000-000000000000"),
        cli("plans", "show", "not-an-id"),
        cli("history", "not-an-id", "--timeline"),
        cli("projections", "rebuild", "no_such_view"),
        cli("plans", "list", "--cursor", "garbage"),
        cli("plans", "list", "--since", "yesterday"),
    ]

    assert [result.exit_code for result in results] == [2] * len(results)
    assert "plan not found" in results[0].stderr
    assert "unknown projection 'no_such_view'" in results[3].stderr


@pytest.mark.slow
def test_the_projector_follows_other_writers_and_stops_on_sigterm(
    cli_on_each_store: Cli, wait_until: Callable[..., None]
) -> None:
    cli = cli_on_each_store
    cli("projections", "status")
    output = cli.cwd / "projector.out"
    projector = cli.start("projector", output=output)
    try:
        append_plans_elsewhere(cli, 3)

        wait_until(
            lambda: len(cli("plans", "list", "--json").json()["plans"]) == 3,
            timeout=20,
            what="the projector to project the other process's plans",
        )
    finally:
        projector.send_signal(signal.SIGTERM)
        projector.wait(timeout=10)

    assert projector.returncode == 0, output.with_suffix(".err").read_text()
    assert "plan_summary: stopped at position" in output.read_text()
    assert set(lags(cli).values()) == {0}


@pytest.mark.slow
def test_a_projector_killed_while_it_works_resumes_without_loss_or_duplication(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    projector = cli.start("projector", output=cli.cwd / "first.out")
    try:
        append_plans_elsewhere(cli, 60)
    finally:
        projector.send_signal(signal.SIGKILL)
        projector.wait(timeout=10)
    append_plans_elsewhere(cli, 5)
    assert any(lags(cli).values())

    again = cli.start("projector", output=cli.cwd / "second.out")
    try:
        wait_until(lambda: not any(lags(cli).values()), timeout=30, what="the projector to resume")
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=10)
    resumed = views(cli)
    cli("projections", "rebuild")

    assert len(resumed[0]["plans"]) == 65
    assert resumed == views(cli)


def views(cli: Cli) -> list[Any]:
    return [
        cli("plans", "list", "--limit", "1000", "--json").json(),
        cli("tools", "stats", "--json").json(),
    ]
