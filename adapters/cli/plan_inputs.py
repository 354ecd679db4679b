"""Plan inputs from the command line: `--input NAME=VALUE` (repeatable) and `--inputs-file`.

A `--input` value is text, unless the spec's `inputs_schema` gives that input a non-string
type: then it is read as a YAML/JSON scalar or collection (`--input replicas=3` is the number 3
when `replicas` is an integer). `--input` overrides the same name from `--inputs-file`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from adapters.cli.spec_file import read_spec_file
from core import InvalidInputsError, SpecProblem

InputOpt = Annotated[
    list[str] | None,
    typer.Option("--input", help="A plan input NAME=VALUE (repeatable).", show_default=False),
]
InputsFileOpt = Annotated[
    Path | None,
    typer.Option("--inputs-file", help="Plan inputs as a YAML/JSON mapping.", show_default=False),
]


def read_inputs(spec_data: object, pairs: list[str] | None, file: Path | None) -> dict[str, Any]:
    """The inputs the options give, typed by the spec's `inputs_schema` where it says."""
    inputs: dict[str, Any] = {}
    if file is not None:
        loaded = read_spec_file(file)
        if not isinstance(loaded, dict):
            raise InvalidInputsError([SpecProblem(str(file), "must be a mapping of names")])
        inputs.update(loaded)
    for pair in pairs or []:
        name, equals, text = pair.partition("=")
        if not equals or not name:
            raise InvalidInputsError([SpecProblem(f"--input {pair}", "expected NAME=VALUE")])
        inputs[name] = _typed(name, text, _declared_type(spec_data, name))
    return inputs


def _declared_type(spec_data: object, name: str) -> object:
    schema = spec_data.get("inputs_schema") if isinstance(spec_data, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    declared = properties.get(name) if isinstance(properties, dict) else None
    return declared.get("type") if isinstance(declared, dict) else None


def _typed(name: str, text: str, declared: object) -> Any:
    if declared is None or declared == "string":
        return text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise InvalidInputsError(
            [SpecProblem(f"inputs.{name}", f"cannot read {text!r} as {declared}")]
        ) from None
