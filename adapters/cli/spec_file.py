"""Reading a plan spec file (YAML or JSON) into plain data, with problems named by file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.errors import InvalidPlanSpecError, SpecProblem

MAX_SPEC_BYTES = 16 * 1024 * 1024


def read_spec_file(path: Path) -> object:
    """Parse a spec file; YAML is a superset of JSON, so one parser reads both."""
    if not path.is_file():
        raise InvalidPlanSpecError([SpecProblem(str(path), "file not found")])
    if path.stat().st_size > MAX_SPEC_BYTES:
        raise InvalidPlanSpecError([SpecProblem(str(path), f"file is over {MAX_SPEC_BYTES} bytes")])
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = yaml.safe_load(text)
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
