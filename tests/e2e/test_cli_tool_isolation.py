"""A tool cannot read the engine's secrets: its environment, its memory, its settings.

The attack of the issue: a shell step running `tr '\\0' '\\n' < /proc/$PPID/environ` printed
the store URL with its password, which then sat in the event log as the step's result. Here
the step tries that, and the engine's memory, on SQLite and on PostgreSQL (whose URL carries a
password; the test server trusts any), and nothing of the engine's settings comes back. The
python tool, which runs inside the engine, is limited to the modules the deployment names.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import PLANLEDGER, Cli, cli_environment

SNOOP = (
    "tr '\\0' '\\n' < /proc/$PPID/environ; "
    "head -c 4096 /proc/$PPID/mem | tr -dc '[:print:]'; "
    "cat /proc/$PPID/cmdline | tr '\\0' ' '"
)
SECRET = "S3cretPW-91a"
SETTING = "setting-5d0e"


def run_with_settings_in_the_environment(cli: Cli, spec: str) -> subprocess.CompletedProcess[str]:
    """`planledger run` as a deployment starts it: every setting in `PLANLEDGER_*` variables."""
    store = cli.store.replace("postgres@", f"postgres:{SECRET}@", 1)
    env = cli_environment() | {
        "PLANLEDGER_STORE": store,
        "PLANLEDGER_WEBHOOK_TOKEN": SETTING,  # any setting of the deployment's
    }
    return subprocess.run(
        [str(PLANLEDGER), "run", spec, "--json"],
        cwd=cli.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_shell_step_cannot_read_the_engines_environment_or_memory(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    snoop = {"id": "snoop", "tool": "shell", "parameters": {"command": SNOOP, "shell": True}}
    inherit = {
        "id": "inherit",
        "tool": "shell",
        "parameters": {"command": "env", "inherit_env": True},
    }
    spec = cli.write_spec({"description": "snooping", "steps": [snoop, inherit]})

    ran = run_with_settings_in_the_environment(cli, spec)

    assert ran.returncode in (0, 1), ran.stderr
    view = json.loads(ran.stdout)
    steps = {step["id"]: step for step in view["steps"]}
    snooped = str(steps["snoop"]["result"] or steps["snoop"]["error"])
    assert "PLANLEDGER_WEBHOOK_TOKEN" in snooped or "Permission denied" in snooped
    assert SECRET not in snooped
    assert SETTING not in snooped
    assert SECRET not in str(steps["inherit"]["result"])  # inherit_env leaves credentials out
    assert "PLANLEDGER_STORE=" not in str(steps["inherit"]["result"])
    history = cli("history", view["id"], "--json")
    assert history.exit_code == 0, history
    assert SECRET not in history.stdout


def test_the_python_tool_calls_only_the_modules_the_deployment_allows(cli: Cli) -> None:
    cli.env["PLANLEDGER_PYTHON_MODULES"] = "json, string"
    spec = cli.write_spec(
        "description: python\nsteps:\n"
        '  - {id: shell-out, tool: python, parameters: {function: "os:system", '
        'kwargs: {command: "id"}}}\n'
    )
    allowed = cli.write_spec(
        "description: python\nsteps:\n"
        '  - {id: caps, tool: python, parameters: {function: "string:capwords", '
        'kwargs: {s: "hello world"}}}\n',
        "allowed.yaml",
    )

    refused = cli("run", spec)
    ran = cli("run", allowed, "--json")

    assert refused.exit_code == 2, refused
    assert "steps[shell-out].parameters.function: module 'os' is not allowed here" in (
        refused.stderr
    )
    assert "PLANLEDGER_PYTHON_MODULES: json, string" in refused.stderr
    assert cli.stored_event_count() > 0  # the allowed plan only
    assert ran.exit_code == 0, ran
    assert ran.json()["steps"][0]["result"] == "Hello World"


@pytest.mark.postgres
def test_the_store_password_can_come_from_a_file(pg_cli: Cli) -> None:
    (pg_cli.cwd / "pgpass").write_text(f"{SECRET}\n")
    echo = {"id": "a", "tool": "echo", "parameters": {"value": 1}}
    spec = pg_cli.write_spec({"description": "one", "steps": [echo]})
    env = cli_environment() | {
        "PLANLEDGER_STORE": pg_cli.store,
        "PLANLEDGER_STORE_PASSWORD_FILE": str(pg_cli.cwd / "pgpass"),
    }

    ran = subprocess.run(
        [str(PLANLEDGER), "run", spec, "--json"],
        cwd=pg_cli.cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip

    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["status"] == "completed"


def test_a_password_file_with_a_url_that_cannot_take_it_is_refused(cli: Cli) -> None:
    (cli.cwd / "pgpass").write_text("x\n")
    cli.env["PLANLEDGER_STORE_PASSWORD_FILE"] = str(cli.cwd / "pgpass")

    refused = cli("plans", "list")

    assert refused.exit_code == 2, refused
    assert "PLANLEDGER_STORE_PASSWORD_FILE needs a postgresql URL" in refused.stderr
