"""Spec text into plain data: JSON through orjson, YAML through PyYAML's C loader when built.

PyYAML's pure-Python loader took 0.8 s on a 1,000-step JSON spec; orjson reads it in a few
milliseconds. Text that orjson refuses (YAML, or JSON with a syntax error) goes to the YAML
loader, which reads every JSON document too and names the line of a syntax error, so a bad
file is reported as it always was.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it, the pure-Python one otherwise."""

MAX_NESTING_DEPTH = 450
"""Lists and mappings one inside another that a spec may hold: about as many as the pure-Python
loader read before its recursion limit, the limit every spec met before the C loader."""

TOO_DEEP = "nested too deeply to read (lists and mappings)"


class SpecShapeError(Exception):
    """The text parses, but into something no spec may be: nested too deep, or YAML aliases that
    expand too far or refer to what contains them."""


def load_spec_text(text: str, max_values: int) -> object:
    """The data `text` holds; raises `yaml.YAMLError` (with its mark) or `SpecShapeError`.

    `max_values` bounds a YAML document's size once its aliases are expanded (JSON has none).
    """
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # the YAML loader names the line, or reads what is YAML but not JSON
        else:
            if _too_deep(data):
                raise SpecShapeError(TOO_DEEP)
            return data
    try:
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader (C or Python)
    except RecursionError:
        raise SpecShapeError(TOO_DEEP) from None
    except yaml.YAMLError as error:
        if "nesting depth" in str(getattr(error, "problem", "")):  # libyaml's own limit
            raise SpecShapeError(TOO_DEEP) from None
        raise
    problem = _alias_problem(data, max_values)
    if problem is not None:
        raise SpecShapeError(problem)
    return data


def _too_deep(data: object) -> bool:
    """Whether a tree (no shared parts: JSON) nests over `MAX_NESTING_DEPTH`, level by level."""
    level: list[Any] = [data]
    for _ in range(MAX_NESTING_DEPTH):
        inner: list[Any] = []
        for value in level:
            children = value.values() if isinstance(value, dict) else value
            inner += [child for child in children if isinstance(child, dict | list)]
        if not inner:
            return False
        level = inner
    return True


def _alias_problem(data: object, max_values: int) -> str | None:
    """Why loaded YAML cannot be used: too many values once its aliases are expanded, an alias
    that refers to what contains it, or nesting over `MAX_NESTING_DEPTH`.

    Each mapping or list is measured once (aliases share the loaded object), so this costs the
    size of the document as written, not of its expansion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id -> (values, depth) of what it holds
    open_ids: set[int] = set()
    stack: list[tuple[object, bool]] = [(data, False)]
    while stack:
        value, children_done = stack.pop()
        if not isinstance(value, dict | list):
            continue
        children = list(value.values()) if isinstance(value, dict) else value
        key = id(value)
        if children_done:
            open_ids.discard(key)
            measured = [sizes.get(id(child), (1, 0)) for child in children]
            count = 1 + sum(size for size, _ in measured)
            depth = 1 + max((deep for _, deep in measured), default=0)
            sizes[key] = (count, depth)
            if count > max_values:
                return (
                    f"its aliases expand to more than {max_values} values "
                    "(YAML anchors used as a memory bomb?)"
                )
            if depth > MAX_NESTING_DEPTH:
                return TOO_DEEP
        elif key in open_ids:
            return "an alias refers to a mapping or list that contains it (a cycle)"
        elif key not in sizes:
            open_ids.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in children)
    return None
