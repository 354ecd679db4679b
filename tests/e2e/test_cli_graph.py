"""`planledger graph` and `history --timeline --format mermaid`: pictures that parse and render.

DOT output is rendered by Graphviz's own `dot` (Debian's package; `.ci/run` installs it); the
Mermaid output is parsed by `mermaid_grammar` (no Mermaid CLI runs offline).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import Cli
from .mermaid_grammar import parse_flowchart, parse_gantt

SPEC = {
    "name": "pictured",
    "description": "a chain, a map with a bad item, a sub-plan and a failure",
    "options": {"continue_on_error": True},
    "steps": [
        {"id": "fetch", "tool": "echo", "parameters": {"value": [1, 2, 0]}},
        {
            "id": "scale",
            "tool": "echo",
            "depends_on": ["fetch"],
            "for_each": "{{ steps.fetch.result }}",
            "parameters": {"value": "{{ 10 // item }}"},
        },
        {
            "id": "deploy:web",
            "depends_on": ["fetch"],
            "plan": {
                "description": "child",
                "steps": [{"id": "x", "tool": "echo", "parameters": {"value": 1}}],
            },
        },
        {
            "id": "check",
            "tool": "shell",
            "depends_on": ["deploy:web"],
            "parameters": {"command": "exit 4", "shell": True},
        },
        {"id": "after", "tool": "echo", "depends_on": ["check"], "parameters": {"value": 1}},
    ],
}


def dot_renders(source: str) -> str:
    """Graphviz's `dot -Tsvg` on `source`; fails the test if Graphviz refuses it."""
    dot = shutil.which("dot")
    if dot is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz `dot` is missing: .ci/run installs Debian's graphviz package")
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz)")
    rendered = subprocess.run(
        [dot, "-Tsvg"], input=source, capture_output=True, text=True, timeout=30, check=False
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr == ""
    return rendered.stdout


@pytest.fixture
def plan_id(cli: Cli) -> str:
    ran = cli("run", cli.write_spec(SPEC), "--json")
    assert ran.exit_code == 1, ran.stderr
    return str(ran.json()["id"])


def test_the_graph_in_mermaid_shows_each_step_with_its_status_maps_collapsed(
    cli: Cli, plan_id: str
) -> None:
    shown = cli("graph", plan_id)

    chart = parse_flowchart(shown.stdout)
    by_step = {label.split("<br/>")[0]: node for node, label in chart.labels.items()}
    assert shown.exit_code == 0
    assert set(by_step) == {"fetch", "scale", "deploy:web", "check", "after"}
    assert chart.classes[by_step["scale"]] == "failed"
    assert "3 items: 2 completed, 1 failed" in chart.labels[by_step["scale"]]
    assert chart.classes[by_step["deploy:web"]] == "completed"
    assert "plan " in chart.labels[by_step["deploy:web"]]
    assert chart.classes[by_step["check"]] == "failed"
    assert chart.classes[by_step["after"]] == "skipped"
    assert sorted(chart.edges) == sorted(
        (by_step[a], by_step[b])
        for a, b in [
            ("fetch", "scale"),
            ("fetch", "deploy:web"),
            ("deploy:web", "check"),
            ("check", "after"),
        ]
    )


def test_the_graph_in_dot_renders_with_graphviz_at_every_version(cli: Cli, plan_id: str) -> None:
    latest = cli("graph", plan_id, "--format", "dot")
    at_creation = cli("graph", plan_id, "--format", "dot", "--at", "1")

    assert latest.exit_code == at_creation.exit_code == 0
    assert "<svg" in dot_renders(latest.stdout)
    dot_renders(at_creation.stdout)
    assert "pending" in at_creation.stdout
    assert "failed" not in at_creation.stdout
    assert '"deploy:web" -> "check";' in latest.stdout


def test_graph_refuses_an_unknown_plan_and_a_version_past_the_end(cli: Cli, plan_id: str) -> None:
    unknown = cli("graph", "7b0a5d4e-0000-4000-8000-000000000000")
    past = cli("graph", plan_id, "--at", "999")

    assert unknown.exit_code == past.exit_code == 2
    assert "plan not found" in unknown.stderr
    assert "last version" in past.stderr


def test_history_timeline_as_mermaid_is_a_gantt_chart_of_every_attempt(
    cli: Cli, plan_id: str
) -> None:
    table = cli("history", plan_id, "--timeline", "--json")
    gantt = cli("history", plan_id, "--timeline", "--format", "mermaid")
    refused = cli("history", plan_id, "--format", "mermaid")

    tasks = parse_gantt(gantt.stdout)
    assert gantt.exit_code == 0
    assert len(tasks) == len(table.json())
    assert {task.section for task in tasks} == {
        "fetch",
        "scale[0]",
        "scale[1]",
        "deploy\N{RATIO}web",
        "check",
    }
    assert {task.tag for task in tasks if task.section == "check"} == {"crit"}
    assert refused.exit_code == 2


def test_the_pictures_of_the_examples_in_the_docs_parse_and_render() -> None:
    pictures = sorted((Path(__file__).parents[2] / "docs" / "graphs").glob("*.md"))
    examples = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))

    assert [path.stem for path in pictures] == [path.stem for path in examples]
    for picture in pictures:
        flowchart, gantt = picture.read_text().split("```mermaid\n")[1:]
        assert parse_flowchart(flowchart.split("```")[0]).labels
        assert parse_gantt(gantt.split("```")[0])
        dot_renders(picture.with_suffix(".dot").read_text())
