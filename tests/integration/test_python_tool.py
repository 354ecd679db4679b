"""The python tool imports and calls a real function; each way that can go wrong has its error."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from adapters.tools.python_tool import PythonParameters, run_python
from core.domain.errors import ToolFailedError
from tests.integration.tool_calls import make_context


@pytest.fixture
def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    names: list[str] = []

    def write(source: str) -> str:
        name = f"planledger_test_module_{uuid4().hex}"
        (tmp_path / f"{name}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        names.append(name)
        return name

    yield write
    for name in names:
        sys.modules.pop(name, None)


def test_python_calls_the_function_with_kwargs_and_returns_its_json_result(
    write_module: Callable[[str], str],
) -> None:
    module = write_module("def add(a, b):\n    return {'sum': a + b, 'parts': (a, b)}\n")
    params = PythonParameters(function=f"{module}:add", kwargs={"a": 2, "b": 3})

    result = run_python(params, make_context())

    assert result == {"sum": 5, "parts": [2, 3]}


def test_python_unimportable_module_fails_with_import_error() -> None:
    params = PythonParameters(function="planledger_no_such_module_here:run")

    with pytest.raises(ToolFailedError) as caught:
        run_python(params, make_context())

    assert caught.value.error_type == "import_error"


def test_python_module_that_raises_while_importing_fails_with_import_error(
    write_module: Callable[[str], str],
) -> None:
    module = write_module("raise RuntimeError('broken at import')\n")
    params = PythonParameters(function=f"{module}:run")

    with pytest.raises(ToolFailedError) as caught:
        run_python(params, make_context())

    assert caught.value.error_type == "import_error"
    assert "broken at import" in caught.value.message


@pytest.mark.parametrize("attribute", ["missing", "NOT_CALLABLE"])
def test_python_missing_or_non_callable_attribute_fails_with_function_not_found(
    write_module: Callable[[str], str], attribute: str
) -> None:
    module = write_module("NOT_CALLABLE = 3\n")
    params = PythonParameters(function=f"{module}:{attribute}")

    with pytest.raises(ToolFailedError) as caught:
        run_python(params, make_context())

    assert caught.value.error_type == "function_not_found"


@pytest.mark.parametrize("value", ["object()", "{1, 2}", "float('nan')"])
def test_python_result_that_is_not_json_fails_with_result_not_json(
    write_module: Callable[[str], str], value: str
) -> None:
    module = write_module(f"def run():\n    return {value}\n")
    params = PythonParameters(function=f"{module}:run")

    with pytest.raises(ToolFailedError) as caught:
        run_python(params, make_context())

    assert caught.value.error_type == "result_not_json"


def test_python_exception_raised_by_the_function_propagates_unchanged(
    write_module: Callable[[str], str],
) -> None:
    module = write_module(
        "class QuotaExceeded(Exception):\n    pass\n\n"
        "def run():\n    raise QuotaExceeded('over quota')\n"
    )
    params = PythonParameters(function=f"{module}:run")

    with pytest.raises(Exception, match="over quota") as caught:
        run_python(params, make_context())

    assert type(caught.value).__name__ == "QuotaExceeded"


@pytest.mark.parametrize("function", ["no_colon", "module:", ":function", "a..b:f", "a.b:c.d"])
def test_python_parameters_reject_a_function_not_shaped_module_path_colon_name(
    function: str,
) -> None:
    with pytest.raises(ValidationError):
        PythonParameters(function=function)
