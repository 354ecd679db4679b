"""Spec files read by orjson (JSON) and PyYAML's C loader (YAML) give what the pure-Python
loader gave, and refuse what it refused with the same messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from adapters.bootstrap import validate_spec_data
from adapters.cli.spec_file import read_spec_file
from adapters.settings import Settings
from adapters.spec_text import MAX_NESTING_DEPTH, YAML_LOADER
from core import InvalidPlanSpecError


def large_spec(size: int) -> dict[str, object]:
    """Every JSON type, nesting, unicode and escapes across `size` steps."""
    steps: list[dict[str, object]] = []
    for i in range(size):
        step: dict[str, object] = {
            "id": f"s{i}",
            "tool": "echo",
            "description": f'étape {i} — "quoted"\tand\\slashed ✓',
            "parameters": {
                "value": {
                    "n": i,
                    "half": i / 2,
                    "big": 2**53 + i,
                    "none": None,
                    "flags": [True, False, None, "yes", "2024-01-01", "1e3", ""],
                },
            },
            "max_retries": i % 3,
        }
        if i:
            step["depends_on"] = [f"s{i - 1}"]
        steps.append(step)
    return {"description": "large spec", "options": {"max_parallel_steps": 8}, "steps": steps}


def test_a_large_json_and_yaml_spec_read_as_the_pure_python_loader_read_them(
    tmp_path: Path,
) -> None:
    spec = large_spec(300)
    as_json = tmp_path / "plan.json"
    as_json.write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    as_yaml = tmp_path / "plan.yaml"
    as_yaml.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")

    from_json = read_spec_file(as_json)
    from_yaml = read_spec_file(as_yaml)

    assert from_json == yaml.load(as_json.read_text(), Loader=yaml.SafeLoader) == spec
    assert from_yaml == yaml.load(as_yaml.read_text(), Loader=yaml.SafeLoader) == spec
    settings = Settings()
    assert validate_spec_data(from_json, settings) == validate_spec_data(from_yaml, settings)


def test_the_c_loader_is_used_where_pyyaml_was_built_with_libyaml() -> None:
    expected = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

    assert YAML_LOADER is expected


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        pytest.param('{"steps": [\n  {"id": "a",,}\n]}', ":2:", "malformed YAML/JSON", id="json"),
        pytest.param("steps:\n  - id: a\n   tool: [echo\n", ":3:", "malformed YAML", id="yaml"),
        pytest.param("[" * 2000 + "]" * 2000, "", "nested too deeply", id="json-too-deep"),
        pytest.param(
            "a:\n" + "".join("  " * n + "- \n" for n in range(1, MAX_NESTING_DEPTH + 5)),
            "",
            "nested too deeply",
            id="yaml-block-too-deep",
        ),
    ],
)
def test_bad_spec_text_names_the_file_and_line_and_the_problem(
    tmp_path: Path, text: str, where: str, problem: str
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text)

    with pytest.raises(InvalidPlanSpecError) as refused:
        read_spec_file(path)

    [found] = refused.value.problems
    assert found.location.startswith(f"{path}{where}")
    assert problem in found.message
