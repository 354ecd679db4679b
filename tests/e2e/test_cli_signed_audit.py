"""Signed events and external checkpoints, driven from the CLI by an operator and an auditor."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any
from uuid import UUID

import pytest

from tests.integration.raw_events import raw_events_for

from .conftest import CALL_TIMEOUT_S, PLANLEDGER, Cli, cli_environment

SPEC: dict[str, Any] = {
    "description": "a signed plan",
    "options": {"require_approval": True, "approvers": ["alice"]},
    "steps": [{"id": "deploy", "tool": "echo", "parameters": {"value": "v1"}}],
}


def signed(cli: Cli, *args: str, trust: bool = False) -> subprocess.CompletedProcess[str]:
    """The CLI with a signing key (and, with `trust`, the trusted keys) in its environment."""
    env = cli_environment()
    env["PLANLEDGER_SIGNING_KEY"] = str(cli.cwd / "keys" / "writer.key")
    if trust:
        env["PLANLEDGER_TRUSTED_KEYS"] = str(cli.cwd / "keys")
    return subprocess.run(
        [str(PLANLEDGER), "--store", cli.store, *args],
        cwd=cli.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=CALL_TIMEOUT_S,
        check=False,
    )


@pytest.fixture
def keyed(cli_on_each_store: Cli) -> Cli:
    cli = cli_on_each_store
    generated = cli("keys", "generate", "keys", "--name", "writer")
    assert generated.exit_code == 0, generated
    assert "ed25519:" in generated.stdout
    assert oct(os.stat(cli.cwd / "keys" / "writer.key").st_mode & 0o777) == "0o600"
    return cli


def test_signed_plans_a_checkpoint_and_verify_with_both_exit_0(keyed: Cli) -> None:
    spec = keyed.write_spec(SPEC)
    plan_id = signed(keyed, "create", spec).stdout.strip()
    assert signed(keyed, "approve", plan_id, "--by", "alice").returncode == 0
    assert signed(keyed, "execute", plan_id, trust=True).returncode == 0

    taken = signed(keyed, "audit", "checkpoint", "--output", "checkpoints.jsonl")
    verified = keyed(
        "audit", "verify", "--all", "--keys", "keys", "--checkpoints", "checkpoints.jsonl"
    )

    assert taken.returncode == 0, taken
    assert "signed by ed25519:" in taken.stdout
    assert verified.exit_code == 0, verified
    assert "verified 1 plan" in verified.stdout
    assert "only naive tampering" not in verified.stdout


def test_a_checkpoint_needs_a_signing_key(keyed: Cli) -> None:
    refused = keyed("audit", "checkpoint")

    assert refused.exit_code == 2, refused
    assert "PLANLEDGER_SIGNING_KEY" in refused.stderr


def test_a_forged_approval_is_refused_by_execute_and_the_plan_quarantined(keyed: Cli) -> None:
    spec = keyed.write_spec(SPEC)
    plan_id = signed(keyed, "create", spec).stdout.strip()
    assert keyed("approve", plan_id, "--by", "alice").exit_code == 0  # written without a key

    refused = signed(keyed, "execute", plan_id, trust=True)
    history = keyed("history", plan_id, "--json").json()
    verified = keyed("audit", "verify", plan_id, "--keys", "keys", "--json")

    assert refused.returncode == 5, refused
    assert "unsigned PlanApproved" in refused.stderr
    assert [record["type"] for record in history][-2:] == ["PlanApproved", "PlanQuarantined"]
    assert "StepStarted" not in {record["type"] for record in history}
    assert verified.exit_code == 1, verified
    assert {"plan_id": plan_id, "version": 3, "problem": "unsigned"} in verified.json()["findings"]


def test_a_hostile_topic_is_a_finding_and_executes_nothing(keyed: Cli) -> None:
    spec = keyed.write_spec({**SPEC, "options": {}})
    plan_id = json.loads(signed(keyed, "run", spec, "--json").stdout)["id"]
    version = len(keyed("history", plan_id, "--json").json()) + 1
    raw = raw_events_for(keyed.store)
    try:
        raw.insert(UUID(plan_id), version, "this:s", b"{}")
    finally:
        raw.close()

    verified = keyed("audit", "verify", "--all", "--json")

    assert verified.exit_code == 1, verified
    assert "Beautiful is better than ugly" not in verified.stdout + verified.stderr
    assert {"plan_id": plan_id, "version": version, "problem": "changed"} in (
        verified.json()["findings"]
    )
