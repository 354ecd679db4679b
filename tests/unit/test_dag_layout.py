"""The DAG layout the UI draws: layers left to right, long edges bent around boxes, stable."""

from __future__ import annotations

from uuid import UUID

from adapters.ui.dag_layout import NODE_WIDTH, layout
from core import GraphNode, NodeKind, PlanGraph

PLAN = UUID(int=1)


def graph(edges: list[tuple[str, str]], names: list[str]) -> PlanGraph:
    nodes = tuple(GraphNode(name, NodeKind.STEP, "echo", "pending", 0) for name in names)
    return PlanGraph(PLAN, "approved", 2, nodes, tuple(edges))


def test_every_edge_points_right_and_a_long_edge_bends_through_each_layer() -> None:
    picture = layout(graph([("a", "b"), ("b", "c"), ("a", "c")], ["a", "b", "c"]))

    x = {node["id"]: node["x"] for node in picture["nodes"]}
    assert x["a"] < x["b"] < x["c"]
    for edge in picture["edges"]:
        assert edge["points"][0][0] == x[edge["source"]] + NODE_WIDTH
        assert edge["points"][-1][0] == x[edge["target"]]
    long_edge = next(e for e in picture["edges"] if (e["source"], e["target"]) == ("a", "c"))
    assert len(long_edge["points"]) == 4


def test_two_hundred_steps_fit_without_overlap_and_the_same_graph_lays_out_the_same() -> None:
    names = [f"s{index}" for index in range(200)]
    edges = [(f"s{index}", f"s{index + 10}") for index in range(190)]

    first = layout(graph(edges, names))
    again = layout(graph(edges, names))

    assert first == again
    corners = {(node["x"], node["y"]) for node in first["nodes"]}
    assert len(corners) == 200
    assert all(0 <= node["x"] < first["width"] for node in first["nodes"])
    assert all(0 <= node["y"] < first["height"] for node in first["nodes"])
