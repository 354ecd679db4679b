"""A layered (Sugiyama-style) layout of a plan graph, left to right, for the UI to draw as SVG.

Layers by longest path from the roots, so every edge points right; an edge that spans layers
runs through bend points (virtual nodes) that take part in the ordering, so long edges do not
cross boxes; each layer is ordered by barycentre sweeps to cut crossings. Everything is
deterministic: the same graph always gets the same picture, so a live redraw never jumps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from core import GraphNode, JsonObject, PlanGraph

NODE_WIDTH = 180
NODE_HEIGHT = 52
LAYER_GAP = 70
ROW_GAP = 18
MARGIN = 16
SWEEPS = 6
"""Down-and-up barycentre passes: crossings stop falling after a few on plan-sized graphs."""


@dataclass(frozen=True)
class _Chain:
    """One dependency edge as a chain of slots: the source, bend points, the target."""

    source: str
    target: str
    slots: tuple[str, ...]


def layout(graph: PlanGraph) -> JsonObject:
    """`{width, height, nodes: [{..., x, y}], edges: [{source, target, points}]}` in pixels."""
    layer = _layers(graph)
    chains = _chains(graph, layer)
    slot_layer = dict(layer)
    for chain in chains:
        for index, slot in enumerate(chain.slots[1:-1], start=1):
            slot_layer[slot] = layer[chain.source] + index
    order = _ordered(graph, chains, slot_layer)
    tallest = max((len(slots) for slots in order), default=0)
    position = _positions(order, tallest)
    nodes = [
        {**_node_json(node), "x": position[node.step_id][0], "y": position[node.step_id][1]}
        for node in graph.nodes
    ]
    edges = [
        {
            "source": chain.source,
            "target": chain.target,
            "points": _points(chain, position),
        }
        for chain in chains
    ]
    return {
        "width": 2 * MARGIN + len(order) * NODE_WIDTH + max(len(order) - 1, 0) * LAYER_GAP,
        "height": 2 * MARGIN + tallest * NODE_HEIGHT + max(tallest - 1, 0) * ROW_GAP,
        "nodes": nodes,
        "edges": edges,
    }


def _layers(graph: PlanGraph) -> dict[str, int]:
    """Each step's layer: one more than its deepest dependency (specs are acyclic)."""
    depends: dict[str, list[str]] = defaultdict(list)
    for source, target in graph.edges:
        depends[target].append(source)
    layer: dict[str, int] = {}
    for node in graph.nodes:
        stack = [node.step_id]
        while stack:
            step = stack[-1]
            missing = [d for d in depends[step] if d not in layer]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            layer[step] = 1 + max((layer[d] for d in depends[step]), default=-1)
    return layer


def _chains(graph: PlanGraph, layer: dict[str, int]) -> list[_Chain]:
    chains = []
    for source, target in graph.edges:
        span = layer[target] - layer[source]
        bends = tuple(f"\0{source}\0{target}\0{index}" for index in range(1, span))
        chains.append(_Chain(source, target, (source, *bends, target)))
    return chains


def _ordered(graph: PlanGraph, chains: list[_Chain], slot_layer: dict[str, int]) -> list[list[str]]:
    """Slots per layer, spec order first, then barycentre sweeps down and up."""
    order: list[list[str]] = [[] for _ in range(max(slot_layer.values(), default=-1) + 1)]
    for node in graph.nodes:
        order[slot_layer[node.step_id]].append(node.step_id)
    for chain in chains:
        for slot in chain.slots[1:-1]:
            order[slot_layer[slot]].append(slot)
    before: dict[str, list[str]] = defaultdict(list)
    after: dict[str, list[str]] = defaultdict(list)
    for chain in chains:
        for left, right in zip(chain.slots, chain.slots[1:], strict=False):
            before[right].append(left)
            after[left].append(right)
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        indices = range(1, len(order)) if downward else range(len(order) - 2, -1, -1)
        for index in indices:
            neighbour = order[index - 1] if downward else order[index + 1]
            links = before if downward else after
            order[index] = _by_barycentre(order[index], neighbour, links)
    return order


def _by_barycentre(
    slots: list[str], neighbour: list[str], links: dict[str, list[str]]
) -> list[str]:
    rank = {slot: index for index, slot in enumerate(neighbour)}

    def centre(item: tuple[int, str]) -> tuple[float, int]:
        index, slot = item
        linked = [rank[other] for other in links[slot] if other in rank]
        return (sum(linked) / len(linked) if linked else float(index), index)

    return [slot for _, slot in sorted(enumerate(slots), key=centre)]


def _positions(order: list[list[str]], tallest: int) -> dict[str, tuple[int, int]]:
    """Top-left corners; each layer is centred on the tallest one."""
    row = NODE_HEIGHT + ROW_GAP
    position = {}
    for index, slots in enumerate(order):
        x = MARGIN + index * (NODE_WIDTH + LAYER_GAP)
        offset = MARGIN + (tallest - len(slots)) * row // 2
        for rank, slot in enumerate(slots):
            position[slot] = (x, offset + rank * row)
    return position


def _points(chain: _Chain, position: dict[str, tuple[int, int]]) -> list[list[int]]:
    """From the source's right side through each bend to the target's left side."""
    middle = NODE_HEIGHT // 2
    sx, sy = position[chain.source]
    points = [[sx + NODE_WIDTH, sy + middle]]
    for slot in chain.slots[1:-1]:
        x, y = position[slot]
        points += [[x, y + middle], [x + NODE_WIDTH, y + middle]]
    tx, ty = position[chain.target]
    points.append([tx, ty + middle])
    return points


def _node_json(node: GraphNode) -> JsonObject:
    total = sum(count for _, count in node.items)
    return {
        "id": node.step_id,
        "kind": node.kind.value,
        "tool": node.tool,
        "status": node.status,
        "attempts": node.attempts,
        "items": dict(node.items),
        "item_count": total,
        "child_plan_id": None if node.child_plan_id is None else str(node.child_plan_id),
        "details": node.details,
    }
