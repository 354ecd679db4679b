"""kill -9 in the middle of a 500-item map, then `planledger resume`: no finished item runs again.

Each item appends its index to `effects.log` (in the engine's working directory), eight at a
time. The `run` process and its tools are killed once a third of the items have had their
effect; `resume` interrupts what the kill left running and finishes the map. Every item's
effect happened exactly once, except the items running at the kill (each recorded as
`StepInterrupted`), which may have had it twice; no item completed twice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from scripts.chaos import kill_tree

from .conftest import Cli

ITEMS = 500
SLOTS = 8
EFFECTS = "effects.log"


def map_spec() -> dict[str, Any]:
    return {
        "description": "a map over 500 items, each with a side effect",
        "options": {"max_parallel_steps": SLOTS},
        "steps": [
            {
                "id": "map",
                "tool": "shell",
                "for_each": "{{ plan.inputs.numbers }}",
                "parameters": {"command": f"echo {{{{ item }}}} >> {EFFECTS}", "shell": True},
            },
            {
                "id": "reduce",
                "tool": "echo",
                "depends_on": ["map"],
                "parameters": {"value": "{{ steps.map.result | length }}"},
            },
        ],
    }


def effects(cli: Cli) -> list[str]:
    path = cli.cwd / EFFECTS
    return path.read_text().split() if path.exists() else []


def run_and_kill_mid_map(cli: Cli, spec: str, wait_until: Callable[..., None]) -> str:
    """Start `run`, kill its process tree once a third of the items had their effect."""
    output = cli.cwd / "run.out"
    process = cli.start("run", spec, "--inputs-file", "inputs.json", output=output)

    def a_third_done_while_running() -> bool:
        assert process.poll() is None, output.with_suffix(".err").read_text()
        return len(effects(cli)) >= ITEMS // 3

    try:
        wait_until(a_third_done_while_running, timeout=120, what=f"{ITEMS // 3} side effects")
    finally:
        kill_tree(process.pid)
        process.wait(timeout=10)
    assert len(effects(cli)) < ITEMS, "the kill came after the map had finished"
    return output.read_text().splitlines()[0].removeprefix("plan ")


@pytest.mark.slow
def test_a_map_killed_mid_way_resumes_without_running_a_finished_item_again(
    cli_on_each_store: Cli, wait_until: Callable[..., None]
) -> None:
    cli = cli_on_each_store
    spec = cli.write_spec(map_spec())
    (cli.cwd / "inputs.json").write_text(json.dumps({"numbers": list(range(ITEMS))}))
    plan_id = run_and_kill_mid_map(cli, spec, wait_until)

    resumed = cli("resume", plan_id, "--json")
    history = cli("history", plan_id, "--json").json()

    assert resumed.exit_code == 0, resumed
    assert resumed.json()["status"] == "completed"
    interrupted = [r["step_id"] for r in history if r["type"] == "StepInterrupted"]
    assert len(interrupted) <= SLOTS
    completions = Counter(r["step_id"] for r in history if r["type"] == "StepCompleted")
    assert set(completions.values()) == {1}
    assert len(completions) == ITEMS + 1
    counts = Counter(int(line) for line in effects(cli))
    assert set(counts) == set(range(ITEMS))
    twice = {f"map[{index}]" for index, count in counts.items() if count > 1}
    assert twice <= set(interrupted)
    assert max(counts.values()) <= 2
    [gathered] = [r for r in history if r["type"] == "StepsGathered"]
    assert gathered["failed_items"] == 0
