"""A plan's DAG as a picture model: one node per step with its status, edges from dependencies.

Pure: the fold's state in, plain data out; `adapters.cli.graph_formats` writes it as Mermaid or
Graphviz DOT. The items of a `for_each` step are collapsed into its node (counted by status),
and a plan step is one node naming its child plan, so a picture stays as large as the spec.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from core.domain.plan_state import PlanState, StepState


class NodeKind(StrEnum):
    """What a node stands for: a tool step, a `for_each` map, or a step that runs a child plan."""

    STEP = "step"
    MAP = "map"
    SUB_PLAN = "sub_plan"


@dataclass(frozen=True)
class GraphNode:
    """One step: its id, kind, tool, status and attempts; a map's item statuses; a child plan."""

    step_id: str
    kind: NodeKind
    tool: str
    status: str
    attempts: int
    items: tuple[tuple[str, int], ...] = ()
    child_plan_id: UUID | None = None

    @property
    def details(self) -> str:
        """One line under the step id: tool and status, then attempts, items or child."""
        parts = [f"{self.tool} · {self.status}"]
        if self.attempts > 1:
            parts.append(f"{self.attempts} attempts")
        if self.kind is NodeKind.MAP:
            total = sum(count for _, count in self.items)
            counted = ", ".join(f"{count} {status}" for status, count in self.items)
            parts.append(f"{total} items" + (f": {counted}" if counted else ""))
        if self.child_plan_id is not None:
            parts.append(f"plan {str(self.child_plan_id)[:8]}")
        return " · ".join(parts)


@dataclass(frozen=True)
class PlanGraph:
    """The plan's steps and dependencies as they stood at `version`."""

    plan_id: UUID
    status: str
    version: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[str, str], ...]


def plan_graph(plan: PlanState) -> PlanGraph:
    """The picture model of `plan`: its top-level steps in spec order, and their dependencies."""
    nodes = tuple(_node(plan, step) for step in plan.steps.values() if step.parent is None)
    edges = tuple(
        (dependency, node.step_id)
        for node in nodes
        for dependency in plan.steps[node.step_id].spec.depends_on
        if dependency in plan.steps
    )
    return PlanGraph(plan.plan_id, plan.status.value, plan.version, nodes, edges)


def _node(plan: PlanState, step: StepState) -> GraphNode:
    spec = step.spec
    if spec.for_each is not None:
        expansion = plan.expansions.get(spec.id)
        children = expansion.children if expansion is not None else ()
        counts = Counter(plan.steps[child].status.value for child in children)
        items = tuple(sorted(counts.items()))
        return GraphNode(spec.id, NodeKind.MAP, spec.tool, step.status.value, step.attempt, items)
    kind = NodeKind.SUB_PLAN if spec.is_sub_plan else NodeKind.STEP
    return GraphNode(
        spec.id, kind, spec.tool, step.status.value, step.attempt, child_plan_id=step.child_plan_id
    )
