"""Dependency-graph algorithms for plan specs: cycle finding (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycles(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Return one cycle per set of nodes caught in a loop, each as a closed path `a, b, a`.

    Iterative depth-first search, so 100,000-step chains do not hit the recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = {}
    cycles: list[list[str]] = []
    reported: set[frozenset[str]] = set()
    for root in edges:
        if colour.get(root, white) != white:
            continue
        path: list[str] = [root]
        iterators = [iter(edges.get(root, ()))]
        colour[root] = grey
        while iterators:
            successor = next(iterators[-1], None)
            if successor is None:
                colour[path.pop()] = black
                iterators.pop()
                continue
            state = colour.get(successor, white)
            if state == white:
                colour[successor] = grey
                path.append(successor)
                iterators.append(iter(edges.get(successor, ())))
            elif state == grey:
                cycle = [*path[path.index(successor) :], successor]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    cycles.append(cycle)
    return cycles
