"""The remote CLI beyond one request: `run`, `submit`, `resume`, `graph` and the Gantt chart go
through a `serve` on the same store and answer as they do here; the commands that only make
sense where the store is refuse `--server` by name and touch nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .api_server import RemoteCli
from .conftest import Cli, CliResult
from .test_cli_crash_resume import chain_spec, run_and_kill_after_three_effects
from .workers import shell_step, spec

pytestmark = pytest.mark.slow

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def remote(cli: Cli, tmp_path: Path) -> Iterator[Cli]:
    """The CLI through a server on `cli`'s store: principal `cli-user`, unless `--by` names one."""
    yield from RemoteCli.serving(cli, tmp_path)


def outcome(result: CliResult) -> tuple[int, str, list[tuple[str, str]]]:
    """What a `run --json` ended with, whichever plan it was: exit code, plan and step status."""
    view = result.json()
    return result.exit_code, view["status"], [(s["id"], s["status"]) for s in view["steps"]]


def created_traceparent(cli: Cli, plan_id: str) -> Any:
    [created] = [r for r in cli("history", plan_id, "--json").json() if r["type"] == "PlanCreated"]
    return created["traceparent"]


def test_run_through_a_server_ends_and_exits_as_run_here_with_the_callers_trace(
    cli: Cli, remote: Cli
) -> None:
    files = {
        "ok": cli.write_spec(spec(shell_step("only", "echo hi")), "ok.yaml"),
        "bad": cli.write_spec(spec(shell_step("only", "exit 3")), "bad.yaml"),
        "waits": cli.write_spec(
            spec(shell_step("only", "echo hi"), require_approval=True), "waits.yaml"
        ),
    }
    runs: dict[tuple[str, str], CliResult] = {}
    for where, runner in (("here", cli), ("server", remote)):
        for name, file in files.items():
            runs[where, name] = runner("run", file, "--json", "--traceparent", CALLER)
        runs[where, "approved"] = runner("run", files["waits"], "--approve-as", "ann", "--json")

    for name in ("ok", "bad", "waits", "approved"):
        assert outcome(runs["server", name]) == outcome(runs["here", name]), name
    assert [outcome(runs["server", name])[0] for name in ("ok", "bad", "waits")] == [0, 1, 3]
    assert outcome(runs["server", "approved"])[:2] == (0, "completed")
    plan_id = runs["server", "ok"].json()["id"]
    assert runs["server", "ok"].stderr.startswith(f"plan {plan_id}")
    assert created_traceparent(cli, plan_id) == CALLER
    approved = runs["server", "approved"].json()
    assert approved["approved_by"] == RemoteCli.DEFAULT_SUBJECT


def test_submit_through_a_server_makes_one_plan_per_key_with_the_callers_trace(
    cli: Cli, remote: Cli
) -> None:
    file = cli.write_spec(spec(shell_step("only", "echo hi")))

    first = remote("submit", file, "--key", "k-1", "--traceparent", CALLER)
    again = remote("submit", file, "--key", "k-1", "--traceparent", CALLER)
    other = remote("submit", file, "--key", "k-2")

    assert first.exit_code == 0, first
    assert again.stdout == first.stdout
    assert other.exit_code == 0, other
    assert other.stdout != first.stdout
    plan_id = first.stdout.strip()
    assert created_traceparent(cli, plan_id) == CALLER
    assert cli("status", plan_id, "--json").json()["created_by"] == RemoteCli.DEFAULT_SUBJECT


def test_graph_and_the_gantt_chart_through_a_server_are_the_ones_drawn_here(
    cli: Cli, remote: Cli
) -> None:
    file = cli.write_spec(
        spec(shell_step("a", "echo a"), shell_step("b", "echo b", depends_on=["a"]))
    )
    plan_id = cli("run", file, "--json").json()["id"]
    asks = [
        ("graph", plan_id),
        ("graph", plan_id, "--format", "dot", "--at", "2"),
        ("history", plan_id, "--timeline", "--format", "mermaid"),
        ("graph", plan_id, "--at", "99"),
        ("graph", "00000000-0000-4000-8000-000000000000"),
    ]

    for args in asks:
        here, there = cli(*args), remote(*args)
        assert (there.exit_code, there.stdout) == (here.exit_code, here.stdout), args
    assert [cli(*args).exit_code for args in asks] == [0, 0, 0, 2, 2]


def test_resume_through_a_server_finishes_a_plan_a_killed_run_left_running(
    cli: Cli, remote: Cli, wait_until: Callable[..., None]
) -> None:
    file = cli.write_spec(chain_spec(idempotent=True))
    plan_id = run_and_kill_after_three_effects(cli, file, wait_until)

    resumed = remote("resume", plan_id, "--json")
    history = cli("history", plan_id, "--json").json()

    assert resumed.exit_code == 0, resumed
    assert resumed.json()["status"] == "completed"
    [record] = [r for r in history if r["type"] == "PlanResumed"]
    assert len(record["interrupted_steps"]) == 1
    assert record["actor"] == RemoteCli.DEFAULT_SUBJECT


LOCAL_ONLY = [
    ("db init",),
    ("worker",),
    ("projector",),
    ("projections rebuild",),
    ("serve",),
    ("keys generate", "keys", "--name", "writer"),
    ("secrets init-key", "master.key"),
    ("secrets forget", "00000000-0000-4000-8000-000000000000"),
    ("audit checkpoint",),
    ("agent call", "create_plan", "--notebook", "n", "--args", "{}"),
    ("agent hint", "--notebook", "n"),
    ("agent show", "--notebook", "n"),
    ("agent plans",),
    ("mcp", "--notebook", "n"),
    ("generate", "ship it"),
]


@pytest.mark.parametrize("command", LOCAL_ONLY, ids=[c[0] for c in LOCAL_ONLY])
def test_a_command_that_runs_where_the_store_is_refuses_a_server_by_name_and_writes_nothing(
    cli: Cli, tmp_path: Path, command: tuple[str, ...]
) -> None:
    cli.env = {"PLANLEDGER_SERVER": "http://127.0.0.1:9"}
    before = sorted(path.name for path in tmp_path.iterdir())

    refused = cli(*command[0].split(), *command[1:])

    assert refused.exit_code == 2, refused
    assert f"`planledger {command[0]}`" in refused.stderr
    assert "cannot go through a server" in refused.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_a_refused_approval_through_a_server_leaves_no_plan_as_it_does_here(
    cli: Cli, remote: Cli
) -> None:
    only_alice = cli.write_spec(
        spec(shell_step("only", "echo hi"), require_approval=True, approvers=["alice"])
    )

    here = cli("run", only_alice, "--approve-as", "mallory")
    ran = remote("run", only_alice, "--approve-as", "mallory")
    submitted = remote("submit", only_alice, "--approve-as", "mallory", "--key", "k-refused")
    plans = cli("plans", "list", "--json").json()["plans"]
    by_alice = remote("submit", only_alice, "--approve-as", "alice", "--by", "alice")

    assert here.exit_code == 2, here
    for refused in (ran, submitted):
        assert refused.exit_code == here.exit_code, refused
        assert "may not approve or reject this plan (it was not created)" in refused.stderr
    assert plans == []
    assert by_alice.exit_code == 0, by_alice
    approved = cli("status", by_alice.stdout.strip(), "--json").json()
    assert (approved["status"], approved["approved_by"]) == ("approved", "alice")
