"""Reading a plan spec file (YAML or JSON) into plain data, with problems named by file and line.

YAML anchors and aliases are allowed, but a document whose aliases expand to more than
`MAX_EXPANDED_NODES` values (a "billion laughs"), or refer to themselves, is refused as soon as
it is loaded, before anything walks its expansion; so is one nested too deep to parse.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import yaml

from core import InvalidPlanSpecError, SpecProblem

MAX_SPEC_BYTES = 16 * 1024 * 1024

MAX_EXPANDED_NODES = 5_000_000
"""How many values a spec may hold once its aliases are expanded (100,000 steps fit)."""


def read_spec_file(path: Path) -> object:
    """Parse a spec file; YAML is a superset of JSON, so one parser reads both."""
    if not path.is_file():
        raise InvalidPlanSpecError([SpecProblem(str(path), "file not found")])
    if path.stat().st_size > MAX_SPEC_BYTES:
        raise InvalidPlanSpecError([SpecProblem(str(path), f"file is over {MAX_SPEC_BYTES} bytes")])
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise InvalidPlanSpecError(
            [SpecProblem(str(path), "nested too deeply to read (lists and mappings)")]
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InvalidPlanSpecError(
            [SpecProblem(where, f"malformed YAML/JSON: {problem}")]
        ) from None
    if data is None:
        raise InvalidPlanSpecError([SpecProblem(str(path), "file is empty")])
    problem = _expansion_problem(data)
    if problem is not None:
        raise InvalidPlanSpecError([SpecProblem(str(path), problem)])
    return data


def _expansion_problem(data: object) -> str | None:
    """Why the aliases in `data` cannot be expanded: too many values, or a cycle.

    Each mapping or list is sized once (aliases share the loaded object), so this costs the
    size of the document as written, not of its expansion.
    """
    sizes: dict[int, int] = {}
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
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in children)
            if sizes[key] > MAX_EXPANDED_NODES:
                return (
                    f"its aliases expand to more than {MAX_EXPANDED_NODES} values "
                    "(YAML anchors used as a memory bomb?)"
                )
        elif key in open_ids:
            return "an alias refers to a mapping or list that contains it (a cycle)"
        elif key not in sizes:
            open_ids.add(key)
            stack.append((value, True))
            stack.extend((child, False) for child in children)
    return None


MAX_FILE_NESTING = 100
"""Files a spec may pull in through `plan: path`, one inside another (cycles stop earlier)."""


def read_plan_spec_file(path: Path) -> object:
    """Read a plan spec and inline every `plan: path` of its steps (relative to the file naming it).

    Core never reads files: the history must hold whole specs, so a child named by a path is
    replaced by its content here, before validation, recursively; a file that includes itself
    (directly or not) is refused.
    """
    return _inlined(read_spec_file(path), path.resolve(), (path.resolve(),))


def read_step_file(path: Path) -> object:
    """Read one step (a revision's new step), inlining its `plan: path` as a spec's steps are."""
    step = read_spec_file(path)
    wrapped = _inlined({"steps": [step]}, path.resolve(), (path.resolve(),))
    return cast(dict[str, list[object]], wrapped)["steps"][0]


def _inlined(data: object, path: Path, chain: tuple[Path, ...]) -> object:
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return data
    problems: list[SpecProblem] = []
    steps: list[object] = []
    for step in data["steps"]:
        child = step.get("plan") if isinstance(step, dict) else None
        if not isinstance(step, dict) or not isinstance(child, str):
            steps.append(_inlined_child(step, path, chain))
            continue
        label = f"{path.name}: steps[{step.get('id', '?')}].plan"
        target = (path.parent / child).resolve()
        if target in chain or len(chain) > MAX_FILE_NESTING:
            cycle = " -> ".join(p.name for p in (*chain, target))
            problems.append(SpecProblem(label, f"plan files include each other: {cycle}"))
            continue
        try:
            loaded = _inlined(read_spec_file(target), target, (*chain, target))
        except InvalidPlanSpecError as error:
            problems.extend(
                SpecProblem(f"{label}: {p.location}", p.message) for p in error.problems
            )
            continue
        steps.append({**step, "plan": loaded})
    if problems:
        raise InvalidPlanSpecError(problems)
    return {**data, "steps": steps}


def _inlined_child(step: object, path: Path, chain: tuple[Path, ...]) -> object:
    """An inline child may itself name files, relative to the same file."""
    if isinstance(step, dict) and isinstance(step.get("plan"), dict):
        return {**step, "plan": _inlined(step["plan"], path, chain)}
    return step
