"""`pause`, `unpause`, `retry` and `skip` from the command line, on the embedded SQLite store.

A `run` in one process honours a pause given from another: its running step finishes, nothing
new starts, and it goes on once unpaused. Refused commands exit 2 and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conftest import Cli

STEPS = "steps.log"
WAIT_FOR_RELEASE = "for i in $(seq 600); do [ -e release ] && break; sleep 0.05; done"
"""The running step holds until the test has paused the plan (at most 30 s)."""


def shell(step_id: str, command: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "tool": "shell",
        "parameters": {"command": command, "shell": True},
        **fields,
    }


def logged(cli: Cli) -> list[str]:
    path = cli.cwd / STEPS
    return path.read_text().split() if path.exists() else []


def test_a_run_paused_from_another_process_waits_and_goes_on_once_unpaused(
    cli: Cli, wait_until: Callable[..., None]
) -> None:
    spec = cli.write_spec(
        {
            "description": "two steps",
            "steps": [
                shell("slow", f"touch slow.started; {WAIT_FOR_RELEASE}; echo slow >> {STEPS}"),
                shell("next", f"echo next >> {STEPS}", depends_on=["slow"]),
            ],
        }
    )
    output = cli.cwd / "run.out"
    process = cli.start("run", spec, output=output)
    wait_until(lambda: (cli.cwd / "slow.started").exists(), timeout=20, what="the slow step")
    plan_id = output.read_text().splitlines()[0].removeprefix("plan ")

    paused = cli("pause", plan_id, "--by", "olga", "--reason", "freeze")
    (cli.cwd / "release").touch()
    wait_until(lambda: logged(cli) == ["slow"], timeout=20, what="the running step to finish")
    wait_until(lambda: "paused by olga" in output.read_text(), timeout=20, what="the run to say so")
    status = cli("status", plan_id, "--json")
    caught_up = cli("projections", "rebuild")  # the running engine's own writes, in the views
    listed = cli("plans", "list", "--status", "paused", "--json")
    shown = cli("plans", "show", plan_id, "--json")
    unpaused = cli("unpause", plan_id, "--by", "olga")
    process.wait(timeout=20)

    assert paused.exit_code == 0, paused
    assert caught_up.exit_code == 0, caught_up
    assert status.json()["status"] == "executing"
    assert status.json()["paused"]["by"] == "olga"
    assert status.json()["paused"]["reason"] == "freeze"
    assert [plan["id"] for plan in listed.json()["plans"]] == [plan_id]
    assert shown.json() == status.json()
    assert unpaused.exit_code == 0, unpaused
    assert process.returncode == 0, output.with_suffix(".err").read_text()
    assert logged(cli) == ["slow", "next"]
    assert cli("plans", "list", "--status", "paused", "--json").json()["plans"] == []


def test_retry_and_resume_rerun_the_failed_step_and_the_audit_names_who_and_why(cli: Cli) -> None:
    spec = cli.write_spec(
        {
            "description": "a step that fails until a file exists",
            "steps": [
                shell("check", f"echo check >> {STEPS}; test -e fixed.flag"),
                shell("after", f"echo after >> {STEPS}", depends_on=["check"]),
            ],
        }
    )
    failed = cli("run", spec, "--json")
    plan_id = failed.json()["id"]
    (cli.cwd / "fixed.flag").touch()

    retried = cli("retry", plan_id, "check", "--by", "olga", "--reason", "fixed the flag")
    resumed = cli("resume", plan_id, "--json")
    audit = cli("audit", plan_id, "--json")

    assert failed.exit_code == 1
    assert retried.exit_code == 0, retried
    assert "planledger resume" in retried.stdout
    assert resumed.exit_code == 0, resumed
    assert logged(cli) == ["check", "check", "after"]
    actions = [(row["action"], row["actor"], row["reason"]) for row in audit.json()]
    assert ("step_retried", "olga", "step 'check': fixed the flag") in actions


def test_commands_that_do_not_fit_exit_2_and_write_nothing(cli: Cli) -> None:
    spec = cli.write_spec({"description": "one", "steps": [shell("a", "true")]})
    plan_id = cli("run", spec, "--json").json()["id"]
    before = cli.stored_event_count()

    refused = [
        cli("pause", plan_id, "--by", "olga", "--reason", "late"),
        cli("unpause", plan_id, "--by", "olga"),
        cli("retry", plan_id, "a", "--by", "olga"),
        cli("skip", plan_id, "a", "--by", "olga", "--reason", "no"),
        cli("retry", plan_id, "nope", "--by", "olga"),
        cli("retry", plan_id, "a"),
        cli("skip", plan_id, "a", "--by", "olga"),
    ]

    assert [result.exit_code for result in refused] == [2] * len(refused)
    assert "cannot pause plan" in refused[0].stderr
    assert "it is completed" in refused[0].stderr
    assert "has no step 'nope'" in refused[4].stderr
    assert "--by" in refused[5].stderr
    assert "--reason" in refused[6].stderr
    assert cli.stored_event_count() == before
