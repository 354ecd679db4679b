"""Large results by reference, on SQLite and PostgreSQL: in the blob table once, named by digest.

With small limits set for the test (inline up to 1,000 bytes of JSON, at most 100,000 per
result): a 5,000-character output goes to the blob table and its event records the digest,
size and media type, with a preview where the value was; views show that preview; the next
step's template reads the whole value; a plan output that large is stored the same way; a
result over the limit fails its step with `result_too_large`; and the chain still verifies.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

import psycopg
import pytest
from psycopg import sql

from .conftest import Cli, CliResult

SPEC = """\
description: large results
options: {continue_on_error: true}
steps:
  - id: big
    tool: shell
    parameters: {command: "head -c 5000 /dev/zero | tr '\\\\0' x", shell: true}
  - id: measure
    tool: echo
    depends_on: [big]
    parameters: {value: "{{ steps.big.result.stdout | length }}"}
  - id: huge
    tool: shell
    parameters:
      command: "head -c 200000 /dev/zero | tr '\\\\0' y"
      shell: true
      max_output_bytes: 300000
outputs:
  copy: "{{ steps.big.result.stdout }}"
"""


@pytest.fixture
def cli(cli_on_each_store: Cli) -> Cli:
    """The CLI on each store, storing apart every result over 1,000 bytes (and failing a step
    whose result is over 100,000), so that small test values exercise the blob table."""
    cli_on_each_store.env |= {
        "PLANLEDGER_INLINE_RESULT_BYTES": "1000",
        "PLANLEDGER_MAX_RESULT_BYTES": "100000",
    }
    return cli_on_each_store


def blobs(cli: Cli) -> dict[str, bytes]:
    """The blob table: digest -> content."""
    if cli.store.startswith("sqlite"):
        with sqlite3.connect(cli.cwd / "x.db") as connection:
            rows = connection.execute("SELECT digest, content FROM planledger_blobs").fetchall()
    else:
        dsn, _, schema = cli.store.partition("?schema=")
        with psycopg.connect(dsn) as connection:
            rows = connection.execute(
                sql.SQL("SELECT digest, content FROM {}").format(
                    sql.Identifier(schema, "planledger_blobs")
                )
            ).fetchall()
    return {str(digest): bytes(content) for digest, content in rows}


def test_a_large_result_goes_to_the_blob_table_and_templates_still_read_it(
    cli: Cli,
) -> None:
    spec = cli.write_spec(SPEC)

    ran = cli("run", spec, "--json")
    plan = ran.json()
    history = cli("history", plan["id"], "--json").json()
    shown = cli("plans", "show", plan["id"], "--json").json()
    verified = cli("audit", "verify", "--all")

    assert ran.exit_code == 1, ran  # `huge` failed, as it should
    steps = {step["id"]: step for step in plan["steps"]}
    assert steps["measure"]["result"] == 5000
    assert steps["huge"]["error"]["type"] == "result_too_large"
    assert "over the limit of 100000 bytes" in steps["huge"]["error"]["message"]
    [completed] = [r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "big"]
    ref = completed["result_ref"]
    assert ref["media_type"] == "application/json"
    assert completed["result"] == {
        "$ref": ref["digest"],
        **{k: ref[k] for k in ("size", "media_type", "preview")},
    }
    assert ref["preview"].startswith('{"exit_code":0,"stdout":"xxxx')
    stored = blobs(cli)
    content = stored[ref["digest"]]
    assert ref["digest"] == f"sha256:{hashlib.sha256(content).hexdigest()}"
    assert ref["size"] == len(content)
    assert json.loads(content)["stdout"] == "x" * 5000
    [ended] = [r for r in history if r["type"] == "PlanPartiallyCompleted"]
    copy = ended["output_refs"]["copy"]
    assert json.loads(stored[copy["digest"]]) == "x" * 5000
    assert {s["id"]: s for s in shown["steps"]}["big"]["result"]["$ref"] == ref["digest"]
    assert "x" * 5000 not in json.dumps(history)
    assert verified.exit_code == 0, verified


def on_blob_table(cli: Cli, statement: str, params: tuple[object, ...]) -> None:
    """Run `statement` on the store's blob table (`{table}`), as the insider would."""
    if cli.store.startswith("sqlite"):
        with sqlite3.connect(cli.cwd / "x.db") as connection:
            connection.execute(statement.format(table="planledger_blobs"), params)
        return
    dsn, _, schema = cli.store.partition("?schema=")
    with psycopg.connect(dsn) as connection:
        table = sql.Identifier(schema, "planledger_blobs").as_string(connection)
        connection.execute(statement.format(table=table).replace("?", "%s"), params)  # type: ignore[arg-type]


def test_audit_verify_finds_a_deleted_and_a_rewritten_blob_though_every_chain_holds(
    cli: Cli,
) -> None:
    plan_id = cli("run", cli.write_spec(SPEC), "--json").json()["id"]
    history = cli("history", plan_id, "--json").json()
    [completed] = [r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "big"]
    [ended] = [r for r in history if r["type"] == "PlanPartiallyCompleted"]
    intact = cli("audit", "verify", "--all", "--json")

    on_blob_table(cli, "DELETE FROM {table} WHERE digest = ?", (completed["result_ref"]["digest"],))
    forged = json.dumps("x" * 4999 + "y").encode()
    on_blob_table(
        cli,
        "UPDATE {table} SET content = ? WHERE digest = ?",
        (forged, ended["output_refs"]["copy"]["digest"]),
    )
    verified = cli("audit", "verify", "--all", "--json")

    assert intact.exit_code == 0, intact
    assert intact.json()["blobs"] == {"checked": 2}
    assert verified.exit_code == 1, verified
    assert {(f["version"], f["problem"]) for f in verified.json()["findings"]} == {
        (completed["version"], "blob_missing"),
        (ended["version"], "blob_changed"),
    }


CHILD_OUTPUT_SPEC = """\
description: a child's large output, read by its parent
steps:
  - id: child
    plan:
      description: makes a large value and returns it
      steps:
        - id: make
          tool: shell
          parameters: {command: "head -c 5000 /dev/zero | tr '\\\\0' z", shell: true}
      outputs:
        text: "{{ steps.make.result.stdout }}"
        small: ok
  - id: measure
    tool: echo
    depends_on: [child]
    parameters: {value: "{{ steps.child.result.text | length }} {{ steps.child.result.small }}"}
outputs:
  copy: "{{ steps.child.result.text }}"
"""


def test_a_large_output_of_a_sub_plan_reaches_its_parent_whole_by_reference(
    cli: Cli,
) -> None:

    ran = cli("run", cli.write_spec(CHILD_OUTPUT_SPEC), "--json")
    plan = ran.json()
    history = cli("history", plan["id"], "--json").json()
    child_id = plan["sub_plans"]["child"]["child_plan_id"]
    child_history = cli("history", child_id, "--json").json()
    verified = cli("audit", "verify", "--all", "--json")

    assert ran.exit_code == 0, ran
    assert {step["id"]: step for step in plan["steps"]}["measure"]["result"] == "5000 ok"
    [child_ended] = [r for r in child_history if r["type"] == "PlanCompleted"]
    ref = child_ended["output_refs"]["text"]
    [completed] = [r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "child"]
    assert completed["output_refs"] == {"text": ref}
    assert completed["result"] == {"text": child_ended["outputs"]["text"], "small": "ok"}
    assert completed["result"]["text"]["$ref"] == ref["digest"]
    [ended] = [r for r in history if r["type"] == "PlanCompleted"]
    assert ended["output_refs"]["copy"]["digest"] == ref["digest"]
    stored = blobs(cli)
    assert json.loads(stored[ref["digest"]]) == "z" * 5000
    assert len(stored) == 2  # the child's `make` result and its output, each once
    assert "z" * 5000 not in json.dumps(history)
    assert verified.exit_code == 0, verified
    assert verified.json()["blobs"] == {"checked": 2}


def test_audit_verify_of_the_parent_alone_finds_a_deleted_blob_its_sub_plan_step_names(
    cli: Cli,
) -> None:
    spec = CHILD_OUTPUT_SPEC.split("outputs:\n  copy:")[0]  # only the step names the blob
    plan = cli("run", cli.write_spec(spec), "--json").json()
    plan_id = plan["id"]
    history = cli("history", plan_id, "--json").json()
    [completed] = [r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "child"]
    child_history = cli("history", plan["sub_plans"]["child"]["child_plan_id"], "--json").json()
    [child_ended] = [r for r in child_history if r["type"] == "PlanCompleted"]
    intact = cli("audit", "verify", plan_id, "--json")
    blobs_before = blobs(cli)

    on_blob_table(
        cli, "DELETE FROM {table} WHERE digest = ?", (child_ended["output_refs"]["text"]["digest"],)
    )
    verified = cli("audit", "verify", plan_id, "--json")

    assert intact.exit_code == 0, intact
    assert len(blobs_before) == 2  # the child's `make` result and its output
    assert intact.json()["blobs"] == {"checked": 1}  # the parent names only the output
    assert verified.exit_code == 1, verified
    assert [(f["version"], f["problem"]) for f in verified.json()["findings"]] == [
        (completed["version"], "blob_missing")
    ]


MAP_SPEC = """\
description: a map one of whose items is large, reduced
steps:
  - id: mapped
    tool: shell
    for_each: "{{ [3, 5000] }}"
    parameters: {command: "head -c {{ item }} /dev/zero | tr '\\\\0' x", shell: true}
  - id: reduce
    tool: echo
    depends_on: [mapped]
    parameters:
      value: "{{ steps.mapped.result | map(attribute='stdout') | map('length') | list }}"
  - id: second
    tool: echo
    depends_on: [mapped]
    parameters: {value: "{{ steps.mapped.result[1].stdout | length }}"}
"""


def test_an_items_large_result_reaches_the_reduce_whole_by_reference(
    cli: Cli,
) -> None:

    ran = cli("run", cli.write_spec(MAP_SPEC), "--json")
    plan = ran.json()
    history = cli("history", plan["id"], "--json").json()
    verified = cli("audit", "verify", "--all", "--json")

    assert ran.exit_code == 0, ran
    steps = {step["id"]: step for step in plan["steps"]}
    assert (steps["reduce"]["result"], steps["second"]["result"]) == ([3, 5000], 5000)
    [item] = [r for r in history if r["type"] == "StepCompleted" and r["step_id"] == "mapped[1]"]
    ref = item["result_ref"]
    [gathered] = [r for r in history if r["type"] == "StepsGathered"]
    assert gathered["item_refs"] == {"1": ref}
    assert gathered["result"][0]["stdout"] == "xxx"
    assert gathered["result"][1] == item["result"]
    assert item["result"]["$ref"] == ref["digest"]
    stored = blobs(cli)
    assert list(stored) == [ref["digest"]]  # the item's result, once
    assert json.loads(stored[ref["digest"]])["stdout"] == "x" * 5000
    assert "x" * 5000 not in json.dumps(history)
    assert verified.exit_code == 0, verified
    assert verified.json()["blobs"] == {"checked": 1}


FORK_SPEC = """\
description: large results of each kind, read by a step the fork runs again
steps:
  - id: big
    tool: shell
    parameters: {command: "head -c 6000 /dev/zero | tr '\\\\0' y", shell: true}
  - id: mapped
    tool: shell
    for_each: "{{ [3, 5000] }}"
    parameters: {command: "head -c {{ item }} /dev/zero | tr '\\\\0' x", shell: true}
  - id: child
    plan:
      description: makes a large output
      steps:
        - id: make
          tool: shell
          parameters: {command: "head -c 4000 /dev/zero | tr '\\\\0' z", shell: true}
      outputs:
        text: "{{ steps.make.result.stdout }}"
  - id: measure
    tool: echo
    depends_on: [big, mapped, child]
    parameters:
      value: >-
        {{ steps.big.result.stdout | length }} {{ steps.mapped.result[1].stdout | length }}
        {{ steps.child.result.text | length }}
"""


def run_and_fork(cli: Cli) -> tuple[list[dict[str, Any]], CliResult, list[dict[str, Any]]]:
    """FORK_SPEC run, then forked from `measure` and executed: the source's history, the
    fork's execution and the fork's history."""
    source = cli("run", cli.write_spec(FORK_SPEC), "--json")
    assert source.exit_code == 0, source
    source_history = cli("history", source.json()["id"], "--json").json()
    forked = cli("fork", source.json()["id"], "--from", "measure", "--json")
    assert forked.exit_code == 0, forked
    ran = cli("execute", forked.json()["id"], "--json")
    return source_history, ran, cli("history", forked.json()["id"], "--json").json()


def test_a_fork_reads_the_large_results_it_reuses_whole_from_the_same_blobs(
    cli: Cli,
) -> None:

    source_history, ran, history = run_and_fork(cli)
    verified = cli("audit", "verify", ran.json()["id"], "--json")

    assert ran.exit_code == 0, ran
    steps = {step["id"]: step for step in ran.json()["steps"]}
    assert steps["measure"]["result"] == "6000 5000 4000"
    completed = {r["step_id"]: r for r in source_history if r["type"] == "StepCompleted"}
    [gathered] = [r for r in source_history if r["type"] == "StepsGathered"]
    reused = {r["step_id"]: r for r in history if r["type"] == "StepResultReused"}
    assert set(reused) == {"big", "mapped", "child"}
    assert reused["big"]["result_ref"] == completed["big"]["result_ref"]
    assert reused["mapped"]["item_refs"] == gathered["item_refs"] != {}
    assert reused["child"]["output_refs"] == completed["child"]["output_refs"] != {}
    assert [reused[step]["result"] for step in ("big", "mapped", "child")] == [
        completed["big"]["result"],
        gathered["result"],
        completed["child"]["result"],
    ]
    assert len(blobs(cli)) == 4  # big, mapped[1], the child's make and its output: no copies
    assert not any(c * 4000 in json.dumps(history) for c in "xyz")
    assert verified.exit_code == 0, verified


def test_audit_verify_of_a_fork_alone_finds_a_deleted_blob_its_reused_results_name(
    cli: Cli,
) -> None:
    _, ran, history = run_and_fork(cli)
    fork_id = ran.json()["id"]
    reused = {r["step_id"]: r for r in history if r["type"] == "StepResultReused"}
    intact = cli("audit", "verify", fork_id, "--json")

    for digest in (
        reused["big"]["result_ref"]["digest"],
        reused["mapped"]["item_refs"]["1"]["digest"],
        reused["child"]["output_refs"]["text"]["digest"],
    ):
        on_blob_table(cli, "DELETE FROM {table} WHERE digest = ?", (digest,))
    verified = cli("audit", "verify", fork_id, "--json")

    assert intact.exit_code == 0, intact
    assert verified.exit_code == 1, verified
    assert sorted((f["version"], f["problem"]) for f in verified.json()["findings"]) == sorted(
        (reused[step]["version"], "blob_missing") for step in ("big", "mapped", "child")
    )
