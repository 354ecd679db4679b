"""Reading a plan spec file (YAML or JSON) into plain data, with problems named by file and line.

JSON is read by orjson, YAML by PyYAML's C loader where it is built (`adapters.spec_text`).
YAML anchors and aliases are allowed, but a document whose aliases expand to more than
`MAX_EXPANDED_NODES` values (a "billion laughs"), or refer to themselves, is refused as soon as
it is loaded, before anything walks its expansion; so is one nested too deep to read.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import yaml

from adapters.spec_text import SpecShapeError, load_spec_text
from core import InvalidPlanSpecError, SpecProblem

MAX_SPEC_BYTES = 16 * 1024 * 1024

MAX_EXPANDED_NODES = 5_000_000
"""How many values a spec may hold once its aliases are expanded (100,000 steps fit)."""


def read_spec_file(path: Path) -> object:
    """Parse a spec file: JSON or YAML, told apart by its text rather than its name."""
    if not path.is_file():
        raise InvalidPlanSpecError([SpecProblem(str(path), "file not found")])
    if path.stat().st_size > MAX_SPEC_BYTES:
        raise InvalidPlanSpecError([SpecProblem(str(path), f"file is over {MAX_SPEC_BYTES} bytes")])
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = load_spec_text(text, MAX_EXPANDED_NODES)
    except SpecShapeError as error:
        raise InvalidPlanSpecError([SpecProblem(str(path), str(error))]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InvalidPlanSpecError(
            [SpecProblem(where, f"malformed YAML/JSON: {problem}")]
        ) from None
    if data is None:
        raise InvalidPlanSpecError([SpecProblem(str(path), "file is empty")])
    return data


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
