"""The built-in tools run for real: processes, imports, waits and the registry that enables them."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

import adapters.tools
from adapters.tools import BUILTIN_TOOL_NAMES, builtin_registry
from adapters.tools.echo_tool import EchoParameters, run_echo
from adapters.tools.python_tool import PythonParameters, run_python
from adapters.tools.shell_tool import ShellParameters, run_shell
from adapters.tools.sleep_tool import SleepParameters, run_sleep
from core.domain.errors import ToolFailedError
from core.domain.json_value import JsonValue
from core.runtime.tools import ToolContext

DEADLINE_SECONDS = 5.0

PRINT_ENVIRONMENT = "import json, os; print(json.dumps(dict(os.environ)))"


def make_context() -> ToolContext:
    return ToolContext(plan_id=uuid4(), step_id="s", attempt=1, worker="test")


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def process_is_gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    # A zombie is dead but not yet reaped by its (new) parent.
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


@pytest.fixture
def in_background() -> Iterator[Callable[[Callable[[], JsonValue]], Future[JsonValue]]]:
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor.submit


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


# shell


@pytest.mark.slow
def test_shell_runs_an_argument_vector_and_captures_stdout_and_exit_code() -> None:
    params = ShellParameters(command=[sys.executable, "-c", "print('hello world')"])

    result = run_shell(params, make_context())

    assert result == {"exit_code": 0, "stdout": "hello world\n", "stderr": ""}


@pytest.mark.slow
def test_shell_non_zero_exit_fails_with_exit_code_type_and_the_output_in_details() -> None:
    script = "import sys; print('partial'); sys.stderr.write('boom'); sys.exit(3)"
    params = ShellParameters(command=[sys.executable, "-c", script])

    with pytest.raises(ToolFailedError) as caught:
        run_shell(params, make_context())

    assert caught.value.error_type == "exit_code"
    assert caught.value.message == "command exited with code 3"
    assert caught.value.details == {"exit_code": 3, "stdout": "partial\n", "stderr": "boom"}


@pytest.mark.slow
def test_shell_string_command_without_shell_is_split_but_never_interpreted_by_a_shell() -> None:
    params = ShellParameters(command="echo $HOME 'two words' ; ls")

    result = run_shell(params, make_context())

    assert result["stdout"] == "$HOME two words ; ls\n"


@pytest.mark.slow
def test_shell_true_runs_the_string_through_sh_which_expands_and_chains() -> None:
    params = ShellParameters(
        command="echo $((1 + 2)) && echo $GREETING", shell=True, env={"GREETING": "hi"}
    )

    result = run_shell(params, make_context())

    assert result["stdout"] == "3\nhi\n"


@pytest.mark.slow
def test_shell_child_sees_only_passed_through_variables_and_env_not_the_engine_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANLEDGER_TEST_SECRET", "leaked")
    params = ShellParameters(
        command=[sys.executable, "-c", PRINT_ENVIRONMENT], env={"PLANLEDGER_TEST_GIVEN": "given"}
    )

    result = run_shell(params, make_context())

    child_environment = json.loads(str(result["stdout"]))
    assert "PLANLEDGER_TEST_SECRET" not in child_environment
    assert child_environment["PLANLEDGER_TEST_GIVEN"] == "given"
    assert child_environment["PATH"] == os.environ["PATH"]


@pytest.mark.slow
def test_shell_inherit_env_passes_the_engine_environment_with_env_overriding_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PLANLEDGER_TEST_INHERITED", "inherited")
    monkeypatch.setenv("PLANLEDGER_TEST_OVERRIDDEN", "engine")
    params = ShellParameters(
        command=[sys.executable, "-c", PRINT_ENVIRONMENT],
        env={"PLANLEDGER_TEST_OVERRIDDEN": "step"},
        inherit_env=True,
    )

    result = run_shell(params, make_context())

    child_environment = json.loads(str(result["stdout"]))
    assert child_environment["PLANLEDGER_TEST_INHERITED"] == "inherited"
    assert child_environment["PLANLEDGER_TEST_OVERRIDDEN"] == "step"


@pytest.mark.slow
def test_shell_cancellation_kills_the_whole_process_group_quickly(
    tmp_path: Path, in_background: Callable[[Callable[[], JsonValue]], Future[JsonValue]]
) -> None:
    pid_file = tmp_path / "sleep.pid"
    params = ShellParameters(command=f"sleep 30 & echo $! > {pid_file}; wait", shell=True)
    context = make_context()
    call = in_background(lambda: run_shell(params, context))
    wait_until(lambda: pid_file.exists() and pid_file.read_text().endswith("\n"), "the pid file")
    sleep_pid = int(pid_file.read_text())

    started = time.monotonic()
    context.cancelled.set()
    with pytest.raises(ToolFailedError) as caught:
        call.result(timeout=DEADLINE_SECONDS)

    assert caught.value.error_type == "cancelled"
    assert time.monotonic() - started < DEADLINE_SECONDS
    wait_until(lambda: process_is_gone(sleep_pid), "the grandchild sleep to die")


@pytest.mark.slow
def test_shell_output_beyond_max_output_bytes_is_truncated_with_a_note() -> None:
    script = "import sys; sys.stdout.write('x' * 1000); sys.stderr.write('y' * 5)"
    params = ShellParameters(command=[sys.executable, "-c", script], max_output_bytes=10)

    result = run_shell(params, make_context())

    assert result["stdout"] == "x" * 10 + "\n[output truncated: kept 10 of 1000 bytes]"
    assert result["stderr"] == "y" * 5


@pytest.mark.slow
def test_shell_undecodable_output_is_replaced_not_an_error() -> None:
    script = "import sys; sys.stdout.buffer.write(b'ok \\xff')"
    params = ShellParameters(command=[sys.executable, "-c", script])

    result = run_shell(params, make_context())

    assert result["stdout"] == "ok \ufffd"


@pytest.mark.slow
def test_shell_missing_executable_fails_with_command_not_found() -> None:
    params = ShellParameters(command=["planledger-no-such-command-here", "arg"])

    with pytest.raises(ToolFailedError) as caught:
        run_shell(params, make_context())

    assert caught.value.error_type == "command_not_found"
    assert "planledger-no-such-command-here" in caught.value.message


@pytest.mark.slow
def test_shell_missing_working_directory_fails_with_bad_cwd(tmp_path: Path) -> None:
    params = ShellParameters(command=["true"], cwd=str(tmp_path / "missing"))

    with pytest.raises(ToolFailedError) as caught:
        run_shell(params, make_context())

    assert caught.value.error_type == "bad_cwd"


@pytest.mark.slow
def test_shell_runs_in_the_given_working_directory(tmp_path: Path) -> None:
    params = ShellParameters(command=["pwd"], cwd=str(tmp_path))

    result = run_shell(params, make_context())

    assert Path(str(result["stdout"]).strip()).resolve() == tmp_path.resolve()


@pytest.mark.parametrize("command", ["", "   ", [], "echo 'unbalanced"])
def test_shell_parameters_reject_a_command_with_no_words(command: str | list[str]) -> None:
    with pytest.raises(ValidationError):
        ShellParameters(command=command)


# python


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


# sleep


def test_sleep_waits_and_reports_how_long() -> None:
    params = SleepParameters(ms=20)

    started = time.monotonic()
    result = run_sleep(params, make_context())

    assert result == {"slept_ms": 20}
    assert time.monotonic() - started >= 0.02


def test_sleep_stops_early_when_cancelled(
    in_background: Callable[[Callable[[], JsonValue]], Future[JsonValue]],
) -> None:
    context = make_context()
    call = in_background(lambda: run_sleep(SleepParameters(ms=30_000), context))

    context.cancelled.set()
    with pytest.raises(ToolFailedError) as caught:
        call.result(timeout=DEADLINE_SECONDS)

    assert caught.value.error_type == "cancelled"


@pytest.mark.parametrize("ms", [-1, 86_400_001])
def test_sleep_parameters_reject_a_duration_out_of_range(ms: int) -> None:
    with pytest.raises(ValidationError):
        SleepParameters(ms=ms)


# echo


@pytest.mark.parametrize("value", [None, 0, "text", [1, 2.5, True], {"a": {"b": [None]}}])
def test_echo_returns_its_value_unchanged(value: JsonValue) -> None:
    params = EchoParameters(value=value)

    result = run_echo(params, make_context())

    assert result == value


def test_echo_parameters_require_a_value() -> None:
    with pytest.raises(ValidationError):
        EchoParameters.model_validate({})


def test_echo_parameters_reject_a_value_that_is_not_json() -> None:
    with pytest.raises(ValidationError):
        EchoParameters(value=threading.Event())


# registry


def test_builtin_registry_has_every_builtin_tool_with_a_one_line_description() -> None:
    registry = builtin_registry()

    assert tuple(registry) == BUILTIN_TOOL_NAMES == ("shell", "python", "sleep", "echo")
    for tool in registry.values():
        assert tool.description
        assert "\n" not in tool.description


def test_builtin_registry_enables_only_the_named_tools() -> None:
    registry = builtin_registry(enabled=["echo", "sleep"])

    assert set(registry) == {"echo", "sleep"}


def test_builtin_registry_rejects_an_unknown_tool_name_naming_it() -> None:
    with pytest.raises(ValueError, match="'teleport'"):
        builtin_registry(enabled=["echo", "teleport"])


def test_builtin_tool_invoked_through_the_registry_validates_then_runs() -> None:
    tool = builtin_registry()["echo"]

    result = tool.invoke({"value": {"k": [1]}}, make_context())

    assert result == {"k": [1]}


MINIMAL_PARAMETERS: dict[str, dict[str, JsonValue]] = {
    "shell": {"command": ["true"]},
    "python": {"function": "json:dumps"},
    "sleep": {"ms": 0},
    "echo": {"value": 1},
}


@pytest.mark.parametrize("name", BUILTIN_TOOL_NAMES)
def test_builtin_parameter_models_reject_unknown_fields_and_are_frozen(name: str) -> None:
    model = builtin_registry()[name].parameters
    valid = MINIMAL_PARAMETERS[name]

    with pytest.raises(ValidationError):
        model.model_validate({**valid, "unexpected": 1})
    parameters = model.model_validate(valid)
    with pytest.raises(ValidationError):
        setattr(parameters, next(iter(valid)), None)


def test_builtin_tools_package_public_surface_is_pinned() -> None:
    assert sorted(adapters.tools.__all__) == ["BUILTIN_TOOL_NAMES", "builtin_registry"]
