"""The seeds' CI/CD pipeline (`examples/cicd.yaml`), run as the demo runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

from .conftest import Cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cicd.yaml"


def test_the_cicd_example_needs_an_approver_then_builds_and_lints_together_and_deploys(
    cli_on_each_store: Cli,
) -> None:
    cli = cli_on_each_store
    shutil.copyfile(EXAMPLE, cli.cwd / EXAMPLE.name)

    refused = cli("run", EXAMPLE.name, "--approve-as", "mallory")
    result = cli("run", EXAMPLE.name, "--approve-as", "alice", "--json")
    history = cli("history", result.json()["id"], "--json")

    assert refused.exit_code != 0, refused
    assert "mallory" in refused.stderr + refused.stdout
    assert result.exit_code == 0, result
    view = result.json()
    assert view["status"] == "completed"
    assert view["approved_by"] == "alice"
    steps = {step["id"]: step for step in view["steps"]}
    assert list(steps) == ["checkout", "install", "build", "lint", "test", "deploy"]
    assert all(step["status"] == "completed" for step in steps.values())
    assert steps["deploy"]["result"]["stdout"] == "deployed webapp 1.4.0 to staging\n"
    starts = [r for r in history.json() if r["type"] == "StepStarted"]
    order = [r["step_id"] for r in starts]
    assert order[:2] == ["checkout", "install"]
    assert order[4:] == ["test", "deploy"]
    assert set(order[2:4]) == {"build", "lint"}, "build and lint start before either ends"
    started = {r["step_id"]: r["version"] for r in starts}
    assert abs(started["build"] - started["lint"]) == 1
