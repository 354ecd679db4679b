"""The shell tool runs real processes: argument vectors, environments, cancellation, output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.tools.shell_tool import ShellParameters, run_shell
from core.domain.errors import ToolFailedError
from core.domain.json_value import JsonValue
from tests.integration.tool_calls import (
    DEADLINE_SECONDS,
    PRINT_ENVIRONMENT,
    make_context,
    process_is_gone,
    wait_until,
)


@pytest.fixture
def in_background() -> Iterator[Callable[[Callable[[], JsonValue]], Future[JsonValue]]]:
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor.submit


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

    context.cancelled.set()
    with pytest.raises(ToolFailedError) as caught:
        call.result(timeout=DEADLINE_SECONDS)

    assert caught.value.error_type == "cancelled"
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
