"""Secret inputs on SQLite and PostgreSQL: in clear for the tool, and in no byte anywhere else.

The plan of the issue: a `writeOnly` password and a `format: password` token, passed into a
shell step's environment and command, echoed to stdout and stderr, read by an output, and a
second step that fails printing one. The tool must get the clear value (it writes it to a file
the test reads); the store's bytes (events, read models, every table), the CLI's output and the
engine's logs must not hold either value anywhere.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .conftest import Cli

PASSWORD = "S3cretPW-7f1c"
TOKEN = "T0ken-b8e2-XYZ"
SECRETS = (PASSWORD, TOKEN)

SPEC = """\
description: deploy with a password
inputs_schema:
  type: object
  properties:
    password: {type: string, writeOnly: true}
    token: {type: string, format: password}
    env: {type: string}
options: {continue_on_error: true}
steps:
  - id: use
    tool: shell
    parameters:
      command: 'printf %s "$PW" > got.txt; echo "pw $PW tok {{ plan.inputs.token }}"; echo $PW >&2'
      shell: true
      env: {PW: "{{ plan.inputs.password }}"}
  - id: fail
    tool: shell
    depends_on: [use]
    parameters:
      command: 'echo "failing with {{ plan.inputs.token }} in {{ plan.inputs.env }}" >&2; exit 3'
      shell: true
outputs:
  said: "{{ steps.use.result.stdout }}"
"""

INPUTS = ["--input", f"password={PASSWORD}", "--input", f"token={TOKEN}", "--input", "env=prod"]


def with_key(cli: Cli) -> Cli:
    made = cli("secrets", "init-key", "master.key")
    assert made.exit_code == 0, made
    cli.env["PLANLEDGER_SECRETS_KEY"] = str(cli.cwd / "master.key")
    return cli


def store_contents(cli: Cli) -> list[bytes]:
    """Every byte the store keeps: the SQLite files, or every row of every table of the schema."""
    if cli.store.startswith("sqlite"):
        return [path.read_bytes() for path in cli.cwd.glob("x.db*")]
    dsn, _, schema = cli.store.partition("?schema=")
    contents: list[bytes] = []
    with psycopg.connect(dsn, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))
            for row in connection.execute(query):
                for value in row:
                    contents.append(value if isinstance(value, bytes) else str(value).encode())
    assert contents
    return contents


def test_secret_inputs_reach_the_tool_and_appear_nowhere_else(cli_on_each_store: Cli) -> None:
    cli = with_key(cli_on_each_store)
    spec = cli.write_spec(SPEC)

    ran = cli("-v", "run", spec, *INPUTS)
    plan_id = ran.stdout.splitlines()[0].removeprefix("plan ")
    outputs = [
        ran,
        cli("status", plan_id),
        cli("status", plan_id, "--json"),
        cli("history", plan_id, "--json"),
        cli("history", plan_id),
        cli("plans", "show", plan_id, "--json"),
        cli("plans", "list", "--json"),
        cli("history", plan_id, "--timeline", "--json"),
        cli("audit", "verify", "--all"),
    ]

    assert ran.exit_code == 1, ran  # `fail` failed, as written
    assert (cli.cwd / "got.txt").read_text() == PASSWORD
    assert all(result.exit_code in (0, 1) for result in outputs), outputs
    assert "every hash chain holds" in outputs[-1].stdout
    status = outputs[2].json()
    assert status["outputs"] == {"said": "pw *** tok ***\n"}
    assert "***" in ran.stdout
    for secret in SECRETS:
        for result in outputs:
            assert secret not in result.stdout + result.stderr, result.args
        for content in store_contents(cli):
            assert secret.encode() not in content


def test_a_plan_with_secret_inputs_and_no_key_is_refused_and_nothing_is_written(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    spec = cli.write_spec(SPEC)

    refused = cli("run", spec, *INPUTS)

    assert refused.exit_code == 2, refused
    assert "password, token: no secrets key is configured" in refused.stderr
    assert "PLANLEDGER_SECRETS_KEY" in refused.stderr
    for content in store_contents(cli) if cli.store.startswith("postgresql") else []:
        assert PASSWORD.encode() not in content
    if cli.store.startswith("sqlite"):
        assert cli.stored_event_count() == 0


def test_forgetting_a_plans_data_key_leaves_its_chain_whole_and_its_secrets_unreadable(
    cli_on_each_store: Cli,
) -> None:
    cli = with_key(cli_on_each_store)
    spec = cli.write_spec(SPEC)
    plan_id = cli("run", spec, *INPUTS).stdout.splitlines()[0].removeprefix("plan ")

    forgot = cli("secrets", "forget", plan_id)
    retried = cli("retry", plan_id, "fail", "--by", "ops")
    resumed = cli("resume", plan_id, "--json")
    verified = cli("audit", "verify", "--all")

    assert forgot.exit_code == 0, forgot
    assert f"forgot the data key of plan {plan_id}" in forgot.stdout
    assert retried.exit_code == 0, retried
    step = {s["id"]: s for s in resumed.json()["steps"]}["fail"]
    assert step["status"] == "failed"
    assert step["error"]["type"] == "secrets_unavailable"
    assert "its data key was forgotten" in step["error"]["message"]
    assert verified.exit_code == 0, verified
    assert "every hash chain holds" in verified.stdout


def test_a_master_key_is_never_overwritten(cli: Cli) -> None:
    first = cli("secrets", "init-key", "k")
    before = (cli.cwd / "k").read_bytes()

    second = cli("secrets", "init-key", "k")

    assert first.exit_code == 0, first
    assert second.exit_code == 2, second
    assert "is never overwritten" in second.stderr
    assert (cli.cwd / "k").read_bytes() == before
    assert (cli.cwd / "k").stat().st_mode & 0o777 == 0o600


SUB_PLAN_SPEC = """\
description: a deploy whose sub-plan needs the password
inputs_schema:
  type: object
  properties:
    password: {type: string, writeOnly: true}
steps:
  - id: deploy
    inputs:
      password: "{{ plan.inputs.password }}"
      note: "a plain input that says {{ plan.inputs.password }}"
    plan:
      description: the child
      inputs_schema:
        type: object
        properties:
          password: {type: string, writeOnly: true, minLength: 8}
          note: {type: string}
      steps:
        - id: use
          tool: shell
          parameters:
            command: 'printf %s "$PW" > child_got.txt; printf %s "$NOTE" > child_note.txt'
            shell: true
            env: {PW: "{{ plan.inputs.password }}", NOTE: "{{ plan.inputs.note }}"}
"""


def test_a_sub_plan_gets_a_secret_through_an_input_it_marks_secret_and_nowhere_else(
    cli_on_each_store: Cli,
) -> None:
    cli = with_key(cli_on_each_store)
    spec = cli.write_spec(SUB_PLAN_SPEC)

    ran = cli("run", spec, "--input", f"password={PASSWORD}", "--json")
    root = cli("history", ran.json()["id"], "--json").json()
    [started] = [r for r in root if r["type"] == "SubPlanStarted"]
    child_id = started["child_plan_id"]
    child = cli("history", child_id, "--json").json()
    refused = cli("secrets", "forget", child_id)
    forgot = cli("secrets", "forget", ran.json()["id"])
    verified = cli("audit", "verify", "--all")

    assert ran.exit_code == 0, ran
    assert (cli.cwd / "child_got.txt").read_text() == PASSWORD  # past minLength 8 in clear
    assert (cli.cwd / "child_note.txt").read_text() == "a plain input that says ***"
    [created] = [r for r in child if r["type"] == "PlanCreated"]
    assert created["inputs"] == {"password": "***", "note": "a plain input that says ***"}
    assert created["sealed_inputs"]["key_plan_id"] == ran.json()["id"]  # the root's key
    assert refused.exit_code == 2, refused
    assert f"sealed under that of plan {ran.json()['id']}, its root" in refused.stderr
    assert forgot.exit_code == 0, forgot
    assert verified.exit_code == 0, verified
    for content in store_contents(cli):
        assert PASSWORD.encode() not in content
