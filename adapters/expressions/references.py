"""Checking a parsed expression before it runs: allowed constructs and the steps it reads.

Everything a template may name is `steps.ID…` (or `steps['ID']…`) and `plan.inputs…`; a
statement tag, another name, a `_`-prefixed attribute or key, `**`, or a filter or test the
sandbox does not offer is refused with a message that says which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from jinja2 import nodes

from core import ExpressionError

NAMES = ("steps", "plan")

ITEM_NAMES = ("item", "index")
"""What the parameters of a `for_each` step may read beside `NAMES`: its item and position."""


class References(NamedTuple):
    """What an expression reads: step ids, and input names written literally."""

    steps: frozenset[str]
    inputs: frozenset[str]


def checked_references(
    tree: nodes.Node,
    source: str,
    filters: set[str],
    tests: set[str],
    names: tuple[str, ...] = NAMES,
) -> References:
    """What `tree` reads; raise `ExpressionError` for anything not allowed or not in `names`."""
    for node in _walk(tree, (nodes.Stmt, nodes.Pow, nodes.Filter, nodes.Test, nodes.Name)):
        _refuse_construct(node, source, filters, tests, names)
    steps: set[str] = set()
    inputs: set[str] = set()
    uses = {"steps": 0, "plan": 0}
    for node in _walk(tree, (nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)
        key = _constant_key(node)
        if isinstance(key, str) and key.startswith("_"):
            raise ExpressionError(source, f"attribute or key {key!r} is not allowed")
        if isinstance(key, str) and _is_plan_inputs(node.node):
            inputs.add(key)
        if not isinstance(node.node, nodes.Name) or node.node.name not in uses:
            continue
        uses[node.node.name] += 1
        if node.node.name == "steps":
            if not isinstance(key, str):
                raise ExpressionError(source, "write steps.ID or steps['ID'] with a literal id")
            steps.add(key)
        elif key != "inputs":
            raise ExpressionError(source, "plan has only inputs: write plan.inputs.NAME")
    for name, count in uses.items():
        mentioned = sum(
            1 for n in _walk(tree, (nodes.Name,)) if isinstance(n, nodes.Name) and n.name == name
        )
        if mentioned > count:
            example = "steps.ID.result" if name == "steps" else "plan.inputs.NAME"
            raise ExpressionError(source, f"{name} cannot be used alone: write {example}")
    return References(frozenset(steps), frozenset(inputs))


def _is_plan_inputs(node: nodes.Node) -> bool:
    """True for the `plan.inputs` (or `plan['inputs']`) in `plan.inputs.NAME`."""
    return (
        isinstance(node, nodes.Getattr | nodes.Getitem)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "plan"
        and _constant_key(node) == "inputs"
    )


def _walk(tree: nodes.Node, types: tuple[type[nodes.Node], ...]) -> Iterator[nodes.Node]:
    """`tree` itself (a lone expression is its own root) and every node below it, by type."""
    if isinstance(tree, types):
        yield tree
    yield from tree.find_all(types)


def _refuse_construct(
    node: nodes.Node, source: str, filters: set[str], tests: set[str], names: tuple[str, ...]
) -> None:
    if isinstance(node, nodes.Stmt) and not isinstance(node, nodes.Output):
        tag = type(node).__name__.lower()
        raise ExpressionError(source, f"{{% {tag} %}} statements are not allowed, only {{{{ }}}}")
    if isinstance(node, nodes.Pow):
        raise ExpressionError(source, "operator ** is not allowed")
    if isinstance(node, nodes.Filter) and node.name not in filters:
        raise ExpressionError(source, f"filter {node.name!r} is not available")
    if isinstance(node, nodes.Test) and node.name not in tests:
        raise ExpressionError(source, f"test {node.name!r} is not available")
    if isinstance(node, nodes.Name) and node.name not in names:
        raise ExpressionError(
            source, f"unknown name {node.name!r}: expressions read steps.ID… and plan.inputs…"
        )


def _constant_key(node: nodes.Getattr | nodes.Getitem) -> object:
    if isinstance(node, nodes.Getattr):
        return node.attr
    return node.arg.value if isinstance(node.arg, nodes.Const) else None
