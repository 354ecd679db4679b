"""`planledger generate` against a local OpenAI-compatible server with scripted answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from .conftest import PLANLEDGER, Cli, cli_environment
from .scripted_model import content, scripted_model, tool_call

API_KEY = "sk-test-7f3a9c-never-print-me"

BROKEN = {
    "description": "deploy the app",
    "steps": [
        {
            "id": "build",
            "tool": "shell",
            "parameters": {"command": ["make"]},
            "depends_on": ["test"],
        },
        {
            "id": "test",
            "tool": "shell",
            "parameters": {"command": ["make", "test"]},
            "depends_on": ["build"],
        },
        {"id": "ship", "tool": "teleport", "parameters": {"to": "prod"}, "depends_on": ["test"]},
    ],
}
REPAIRED = {
    "description": "deploy the app",
    "options": {"auto_approve": True},
    "steps": [
        {"id": "build", "tool": "shell", "parameters": {"command": ["make"]}},
        {
            "id": "test",
            "tool": "shell",
            "parameters": {"command": ["make", "test"]},
            "depends_on": ["build"],
        },
        {"id": "ship", "tool": "echo", "parameters": {"value": "shipped"}, "depends_on": ["test"]},
    ],
}


def generate(
    cli: Cli, base_url: str, *args: str, tools: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **cli_environment(),
        **({"PLANLEDGER_TOOLS": tools} if tools else {}),
        "PLANLEDGER_LLM_BASE_URL": base_url,
        "PLANLEDGER_LLM_API_KEY": API_KEY,
        "PLANLEDGER_LLM_MODEL": "scripted-1",
    }
    return subprocess.run(
        [str(PLANLEDGER), "--store", cli.store, "generate", *args],
        cwd=cli.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_a_plan_with_a_cycle_and_an_unknown_tool_is_repaired_once_and_waits_for_approval(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "context.txt").write_text("the app builds with make")
    answers = [content(f"Here you go:\n```json\n{json.dumps(BROKEN)}\n```"), tool_call(REPAIRED)]
    with scripted_model(*answers) as model:
        made = generate(
            cli,
            model.base_url,
            "deploy the app",
            "--context",
            "context.txt",
            "--constraint",
            "test before shipping",
            "--max-repairs",
            "2",
            "--json",
        )

    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert [r["round"] for r in result["rounds"]] == [1, 2]
    first, second = (r["problems"] for r in result["rounds"])
    assert any("dependency cycle" in p for p in first)
    assert any("unknown tool 'teleport'" in p for p in first)
    assert second == []
    assert len(model.requests) == 2
    asked = model.requests[0]["messages"]
    assert '"shell":{"description"' in asked[0]["content"]
    assert '"depends_on"' in asked[0]["content"]
    assert "the app builds with make" in asked[1]["content"]
    assert "test before shipping" in asked[1]["content"]
    repair = model.requests[1]["messages"][-1]["content"]
    assert "dependency cycle" in repair
    assert "unknown tool 'teleport'" in repair
    assert model.authorizations == [f"Bearer {API_KEY}"] * 2
    plan_id = result["plan_id"]
    status = cli("status", plan_id, "--json")
    assert status.exit_code == 3
    assert status.json()["status"] == "pending_approval"
    trail = cli("audit", plan_id, "--json").json()
    drafted = [row for row in trail if row["action"] == "drafted"]
    assert [row["reason"].split(":")[0] for row in drafted] == [
        "round 1 by scripted-1",
        "round 2 by scripted-1",
    ]
    assert "dependency cycle" in drafted[0]["reason"]
    assert drafted[1]["reason"].endswith("accepted")
    history = cli("history", plan_id, "--json").json()
    rounds = [event for event in history if event["type"] == "PlanDrafted"]
    assert rounds[0]["draft"] == BROKEN
    assert rounds[1]["draft"] == REPAIRED
    assert [r["prompt_digest"] for r in rounds] == [r["prompt_digest"] for r in result["rounds"]]
    approved = cli("approve", plan_id, "--by", "alice")
    assert approved.exit_code == 0, approved
    assert API_KEY not in made.stdout + made.stderr
    assert API_KEY.encode() not in (cli.cwd / "x.db").read_bytes()


def test_a_model_that_never_produces_a_valid_plan_exits_2_naming_every_problem(cli: Cli) -> None:
    with scripted_model(content(json.dumps(BROKEN))) as model:
        failed = generate(cli, model.base_url, "deploy the app", "--max-repairs", "1", tools="echo")

    assert failed.returncode == 2
    assert '"shell"' not in model.requests[0]["messages"][0]["content"]
    assert "unknown tool 'shell' (available: echo)" in failed.stderr
    assert "no valid plan after 2 round(s)" in failed.stderr
    assert "dependency cycle" in failed.stderr
    assert "unknown tool 'teleport'" in failed.stderr
    assert len(model.requests) == 2
    assert cli.stored_event_count() == 0
    assert API_KEY not in failed.stdout + failed.stderr


def test_an_answer_without_json_is_sent_back_and_a_missing_model_setting_is_named(
    cli: Cli,
) -> None:
    with scripted_model(content("I would rather not."), content(json.dumps(REPAIRED))) as model:
        made = generate(cli, model.base_url, "deploy", "--json")
    unset: Any = subprocess.run(
        [str(PLANLEDGER), "--store", cli.store, "generate", "deploy"],
        cwd=cli.cwd,
        env=cli_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert made.returncode == 0, made.stderr
    assert "no JSON object" in json.loads(made.stdout)["rounds"][0]["problems"][0]
    assert unset.returncode == 2
    assert "PLANLEDGER_LLM_MODEL is not set" in unset.stderr
