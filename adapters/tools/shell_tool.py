"""The `shell` tool: run an argument vector, or a script via /bin/sh, in a sparse environment.

The command also sees `TRACEPARENT`, the W3C trace context of its attempt's span, so a program
that traces (an OpenTelemetry SDK reading it, a `planledger` it runs) joins the plan's trace.
It cannot read the engine's environment or memory (see `isolation`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
from typing import Annotated, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.tools.isolation import unprivileged_argv
from core import ToolContext, ToolFailedError, ToolRegistry

TOOL_NAME = "shell"
PASSED_THROUGH_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
"""The only variables of the engine's environment a command sees unless `inherit_env` is set."""

CREDENTIAL_VARIABLES = frozenset(
    {"PLANLEDGER_STORE", "PLANLEDGER_STORE_PASSWORD_FILE", "PLANLEDGER_SECRETS_KEY"}
)
"""The engine's own credentials (the store URL may hold a password): never given to a command,
not even with `inherit_env`."""

TRACEPARENT_VARIABLE = "TRACEPARENT"
"""The attempt's trace context, set unless the spec's `env` gives the variable itself."""

_POLL_SECONDS = 0.05

Command: TypeAlias = Annotated[str, Field(min_length=1)] | Annotated[list[str], Field(min_length=1)]


class ShellParameters(BaseModel):
    """Parameters of the `shell` tool."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command: Command = Field(
        description="The command: an argument vector, or a string split into words as a shell "
        "would (but never run by one) unless `shell` is true."
    )
    shell: bool = Field(
        default=False,
        description="Run the command with `/bin/sh -c`; a list is first quoted into one string.",
    )
    cwd: str | None = Field(
        default=None, description="The working directory; the engine's own when null."
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Variables added to, and overriding, the command's environment.",
    )
    inherit_env: bool = Field(
        default=False,
        description="Start from the engine's whole environment rather than only "
        "PATH, HOME, LANG, LC_ALL, TZ and TMPDIR.",
    )
    max_output_bytes: int = Field(
        default=65536,
        ge=1,
        description="Bytes kept of stdout and of stderr each; the rest is dropped with a note.",
    )

    @model_validator(mode="after")
    def _command_is_runnable(self) -> Self:
        if isinstance(self.command, str) and not self.shell and not shlex.split(self.command):
            raise ValueError("command splits into no words")
        return self

    def argv(self) -> list[str]:
        """The argument vector given to the operating system."""
        if self.shell:
            script = self.command if isinstance(self.command, str) else shlex.join(self.command)
            return ["/bin/sh", "-c", script]
        if isinstance(self.command, str):
            return shlex.split(self.command)
        return list(self.command)


def run_shell(params: ShellParameters, context: ToolContext) -> dict[str, int | str]:
    """Run the command; a non-zero exit code fails the call with the captured output."""
    argv = params.argv()
    environment = _environment(params, context)
    try:
        process = subprocess.Popen(
            unprivileged_argv(argv, environment.get("PATH"), params.cwd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=params.cwd,
            env=environment,
            start_new_session=True,
        )
    except OSError as error:
        raise _launch_failure(error, argv[0], params.cwd) from None
    with process:
        try:
            raw_stdout, raw_stderr = _communicate(process, context.cancelled)
        except BaseException:
            _kill_group(process)
            raise
    code = process.returncode
    stdout = _decode(raw_stdout, params.max_output_bytes)
    stderr = _decode(raw_stderr, params.max_output_bytes)
    if code != 0:
        details = {"exit_code": code, "stdout": stdout, "stderr": stderr}
        raise ToolFailedError("exit_code", f"command exited with code {code}", details=details)
    return {"exit_code": code, "stdout": stdout, "stderr": stderr}


def register(registry: ToolRegistry) -> None:
    """Add the `shell` tool to `registry`."""
    registry.register(
        TOOL_NAME,
        ShellParameters,
        run_shell,
        "Run a command (argument vector, or /bin/sh -c) and return its exit code and output.",
    )


def _environment(params: ShellParameters, context: ToolContext) -> dict[str, str]:
    if params.inherit_env:
        base = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    else:
        base = {name: os.environ[name] for name in PASSED_THROUGH_VARIABLES if name in os.environ}
    if context.traceparent is not None:
        base[TRACEPARENT_VARIABLE] = context.traceparent
    return {**base, **params.env}


def _launch_failure(error: OSError, executable: str, cwd: str | None) -> ToolFailedError:
    # Popen reports a failed chdir in the child with the directory as the error's filename.
    if cwd is not None and error.filename == cwd:
        return ToolFailedError("bad_cwd", f"cannot use {cwd!r} as working directory: {error}")
    if isinstance(error, FileNotFoundError):
        return ToolFailedError("command_not_found", f"command not found: {executable!r}")
    return ToolFailedError("command_not_runnable", f"cannot run {executable!r}: {error}")


def _communicate(
    process: subprocess.Popen[bytes], cancelled: threading.Event
) -> tuple[bytes, bytes]:
    # Short timeouts keep the cancel flag watched; retrying communicate() loses no output.
    while not cancelled.is_set():
        try:
            return process.communicate(timeout=_POLL_SECONDS)
        except subprocess.TimeoutExpired:
            continue
    raise ToolFailedError("cancelled", f"command cancelled; process group {process.pid} killed")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _decode(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    if len(data) > limit:
        text += f"\n[output truncated: kept {limit} of {len(data)} bytes]"
    return text
