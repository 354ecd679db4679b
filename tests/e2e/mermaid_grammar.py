"""A parser for the part of Mermaid's grammar planledger writes: flowcharts and Gantt charts.

No Mermaid CLI can be installed offline (it needs a browser), so the tests parse the output
structurally instead: every line must be one of the statements below, brackets and quotes must
pair up, and every node, class and task id must be declared before or where it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NODE = re.compile(
    r'^  (?P<id>n\d+)(?P<open>\["|\[\["|\{\{")(?P<label>[^"]*)(?P<close>"\]|"\]\]|"\}\})'
    r"(?::::(?P<cls>[a-z_]+))?$"
)
_PAIRS = {'["': '"]', '[["': '"]]', '{{"': '"}}'}
_EDGE = re.compile(r"^  (?P<a>n\d+) --> (?P<b>n\d+)$")
_CLASS = re.compile(
    r"^  classDef (?P<cls>[a-z_]+) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}$"
)
_TASK = re.compile(
    r"^  (?P<name>[^:#;]+) :(?:(?P<tag>done|active|crit), )?"
    r"(?P<id>a\d+), (?P<start>\d+), (?P<end>\d+)$"
)


@dataclass
class Flowchart:
    """What a parsed flowchart declares."""

    labels: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)


def parse_flowchart(text: str) -> Flowchart:
    """Parse a flowchart; raise `ValueError` naming the first line that is not Mermaid."""
    lines = text.splitlines()
    if not lines or lines[0] != "flowchart LR":
        raise ValueError("a flowchart starts with `flowchart LR`")
    chart, defined = Flowchart(), set()
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("  %% ") or not line.strip():
            continue
        if node := _NODE.match(line):
            if _PAIRS[node["open"]] != node["close"] or node["id"] in chart.labels:
                raise ValueError(f"line {number}: unpaired brackets or a node declared twice")
            chart.labels[node["id"]] = node["label"]
            chart.classes[node["id"]] = node["cls"] or ""
        elif edge := _EDGE.match(line):
            chart.edges.append((edge["a"], edge["b"]))
        elif declared := _CLASS.match(line):
            defined.add(declared["cls"])
        else:
            raise ValueError(f"line {number} is not a statement of the subset: {line!r}")
    for a, b in chart.edges:
        if a not in chart.labels or b not in chart.labels:
            raise ValueError(f"edge {a} --> {b} names an undeclared node")
    if set(chart.classes.values()) - defined - {""}:
        raise ValueError(f"classes used but not defined: {set(chart.classes.values()) - defined}")
    return chart


@dataclass(frozen=True)
class GanttTask:
    """One bar: its section, name, tag and span in Unix milliseconds."""

    section: str
    name: str
    tag: str | None
    start: int
    end: int


def parse_gantt(text: str) -> list[GanttTask]:
    """Parse a Gantt chart in `dateFormat x`; raise `ValueError` at the first bad line."""
    lines = text.splitlines()
    header = ["gantt", "  dateFormat x", "  axisFormat %H:%M:%S"]
    if [lines[0], *lines[2:4]] != header or not lines[1].startswith("  title "):
        raise ValueError("a Gantt chart starts with gantt, title, dateFormat x and axisFormat")
    tasks: list[GanttTask] = []
    section, ids = None, set()
    for number, line in enumerate(lines[4:], start=5):
        if line.startswith("  section ") and not set(line) & set(":#;"):
            section = line.removeprefix("  section ")
        elif (task := _TASK.match(line)) and section is not None and task["id"] not in ids:
            ids.add(task["id"])
            start, end = int(task["start"]), int(task["end"])
            if end < start:
                raise ValueError(f"line {number}: the task ends before it starts")
            tasks.append(GanttTask(section, task["name"], task["tag"], start, end))
        else:
            raise ValueError(f"line {number} is not a section or task: {line!r}")
    return tasks
