"""Plan pictures as text: the DAG in Mermaid or Graphviz DOT, step attempts as a Mermaid Gantt.

Each status has one colour in both formats. Step ids are safe in both (letters, digits and
`_ . : -`); everything else a label holds is escaped for the format it goes into.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core import JsonObject, NodeKind, PlanGraph

STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "pending": ("#f1f3f5", "#868e96"),
    "running": ("#d0ebff", "#1c7ed6"),
    "completed": ("#d3f9d8", "#2f9e44"),
    "failed": ("#ffe3e3", "#e03131"),
    "skipped": ("#fff3bf", "#f08c00"),
    "cancelled": ("#e9ecef", "#495057"),
}
"""Fill and stroke per step status."""

_MERMAID_SHAPES = {
    NodeKind.STEP: ('["', '"]'),
    NodeKind.MAP: ('[["', '"]]'),
    NodeKind.SUB_PLAN: ('{{"', '"}}'),
}
_DOT_SHAPES = {NodeKind.STEP: "box", NodeKind.MAP: "box3d", NodeKind.SUB_PLAN: "component"}
_GANTT_TAGS = {"completed": "done", "running": "active"}


def mermaid_graph(graph: PlanGraph) -> str:
    """A Mermaid flowchart, left to right; maps are subroutine boxes, sub-plans hexagons."""
    ids = {node.step_id: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = [
        "flowchart LR",
        f"  %% plan {graph.plan_id} {graph.status} at version {graph.version}",
    ]
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES[node.kind]
        label = f"{_mermaid_text(node.step_id)}<br/>{_mermaid_text(node.details)}"
        lines.append(f"  {ids[node.step_id]}{opening}{label}{closing}:::{node.status}")
    lines += [f"  {ids[source]} --> {ids[target]}" for source, target in graph.edges]
    for status in sorted({node.status for node in graph.nodes}):
        fill, stroke = STATUS_COLOURS.get(status, STATUS_COLOURS["pending"])
        lines.append(f"  classDef {status} fill:{fill},stroke:{stroke},color:#212529")
    return "\n".join(lines) + "\n"


def dot_graph(graph: PlanGraph) -> str:
    """A Graphviz digraph, left to right, each step filled with its status's colour."""
    title = f"plan {graph.plan_id}: {graph.status} at version {graph.version}"
    lines = [
        "digraph plan {",
        f'  graph [rankdir=LR, labelloc=t, label="{_dot_text(title)}", fontname="Helvetica"];',
        '  node [style="rounded,filled", fontname="Helvetica", fontsize=11];',
    ]
    for node in graph.nodes:
        fill, stroke = STATUS_COLOURS.get(node.status, STATUS_COLOURS["pending"])
        label = f"{_dot_text(node.step_id)}\\n{_dot_text(node.details)}"
        lines.append(
            f'  "{_dot_text(node.step_id)}" [shape={_DOT_SHAPES[node.kind]}, label="{label}", '
            f'fillcolor="{fill}", color="{stroke}"];'
        )
    lines += [f'  "{_dot_text(a)}" -> "{_dot_text(b)}";' for a, b in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid_gantt(plan_id: str, attempts: Sequence[JsonObject]) -> str:
    """A Mermaid Gantt chart of step attempts: a section per step, a bar per attempt.

    Times are Unix milliseconds (`dateFormat x`); a running attempt ends at the latest time
    known. Failed attempts are `crit`, completed ones `done`, running ones `active`.
    """
    starts = [_millis(a["started_at"]) for a in attempts if a.get("started_at")]
    ends = [_millis(a["finished_at"]) for a in attempts if a.get("finished_at")]
    latest = max([*starts, *ends], default=0)
    lines = ["gantt", f"  title plan {plan_id}", "  dateFormat x", "  axisFormat %H:%M:%S"]
    section = None
    for index, attempt in enumerate(attempts):
        if not attempt.get("started_at"):
            continue
        step = str(attempt["step_id"])
        if step != section:
            section = step
            lines.append(f"  section {_gantt_text(step)}")
        status = str(attempt["status"])
        tag = _GANTT_TAGS.get(status, "crit" if status in ("failed", "timed_out") else "")
        start = _millis(attempt["started_at"])
        end = _millis(attempt["finished_at"]) if attempt.get("finished_at") else latest
        tags = f"{tag}, " if tag else ""
        name = _gantt_text(f"attempt {attempt['attempt']} {status}")
        lines.append(f"  {name} :{tags}a{index}, {start}, {max(end, start + 1)}")
    return "\n".join(lines) + "\n"


def _millis(value: object) -> int:
    return int(datetime.fromisoformat(str(value)).timestamp() * 1000)


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for what the parser would read."""
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", " ")
    )


def _gantt_text(text: str) -> str:
    """A Gantt task or section name: no `:` (it ends the name; a look-alike stands in), `#` or
    `;` (a comment, a statement break)."""
    return text.replace(":", "\N{RATIO}").replace("#", "").replace(";", ",").replace("\n", " ")


def _dot_text(text: str) -> str:
    """Text safe inside a double-quoted DOT string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
