"""`source scripts/ensure_venv` keeps an interactive shell's options and never closes it.

Each test sources a byte-for-byte copy of the script inside a scratch checkout whose `.venv`
is a stand-in: its `python` only records that it was called, so a test proves that nothing was
(re)installed and never touches the real virtual environment.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "ensure_venv"
BASH = shutil.which("bash")
STRICT_OPTIONS = ("errexit", "nounset", "pipefail")

pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")


@dataclass(frozen=True)
class Checkout:
    """A scratch checkout holding the script, a pyproject.toml and maybe a stand-in venv."""

    root: Path

    @property
    def script(self) -> Path:
        return self.root / "scripts" / "ensure_venv"

    @property
    def venv_bin(self) -> Path:
        return self.root / ".venv" / "bin"

    @property
    def calls(self) -> Path:
        """Written by a stand-in python when the script runs it."""
        return self.root / "python-called"


def _recording_executable(path: Path, calls: Path, status: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{calls}"\nexit {status}\n', encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    """A checkout whose venv is installed and up to date with its pyproject.toml."""
    made = Checkout(tmp_path / "checkout")
    made.script.parent.mkdir(parents=True)
    shutil.copyfile(SCRIPT, made.script)
    pyproject = made.root / "pyproject.toml"
    pyproject.write_text('[project]\nname = "planledger"\n', encoding="utf-8")
    _recording_executable(made.venv_bin / "python", made.calls, 1)
    _recording_executable(made.venv_bin / "planledger", made.calls, 0)
    # the script's stamp: the pyproject.toml it installed, and how (an editable install in
    # setuptools' compat mode)
    stamp = f"{hashlib.sha256(pyproject.read_bytes()).hexdigest()} editable=compat"
    (made.root / ".venv" / ".planledger-installed").write_text(stamp + "\n", encoding="utf-8")
    return made


def _bash(script: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    assert BASH is not None
    env = {name: value for name, value in os.environ.items() if name != "PLANLEDGER_PYTHON"}
    env.update(extra_env)
    return subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _option_states(stdout: str) -> dict[str, str]:
    """`shopt -o NAME...` output: one `name on|off` line each."""
    states = {}
    for line in stdout.splitlines():
        name, _, state = line.partition(" ")
        if name in STRICT_OPTIONS:
            states[name] = state.strip()
    return states


def test_sourcing_leaves_a_relaxed_shell_relaxed_and_puts_the_venv_on_path(
    checkout: Checkout,
) -> None:
    # Given a shell with errexit, nounset and pipefail off, as an interactive shell has them
    script = (
        "set +e +u +o pipefail\n"
        f'source "{checkout.script}"\n'
        'echo "status $?"\n'
        'echo "path $PATH"\n'
        "shopt -o errexit nounset pipefail || true\n"
    )

    # When it sources the script
    result = _bash(script)

    # Then its options are still off, the venv leads PATH, and nothing was installed
    assert result.returncode == 0, result.stderr
    assert "status 0" in result.stdout
    assert _option_states(result.stdout) == dict.fromkeys(STRICT_OPTIONS, "off")
    path_line = next(line for line in result.stdout.splitlines() if line.startswith("path "))
    assert path_line.removeprefix("path ").split(":")[0] == str(checkout.venv_bin)
    assert not checkout.calls.exists(), checkout.calls.read_text(encoding="utf-8")
    assert "installing" not in result.stderr


def test_a_failure_while_sourcing_returns_a_status_and_keeps_the_shell_open(
    checkout: Checkout,
) -> None:
    # Given a checkout without a venv and a Python that cannot create one
    shutil.rmtree(checkout.root / ".venv")
    broken_python = checkout.root / "broken-python"
    _recording_executable(broken_python, checkout.calls, 1)

    # When a relaxed shell sources the script, then runs one more command
    result = _bash(
        f'set +e +u +o pipefail\nsource "{checkout.script}"\necho "still here, status $?"\n',
        PLANLEDGER_PYTHON=str(broken_python),
    )

    # Then the shell outlived the failure and saw its status
    assert "still here, status 1" in result.stdout, result.stderr
    assert result.returncode == 0
    assert checkout.calls.read_text(encoding="utf-8").startswith(f"{broken_python} -m venv")


def test_strict_callers_keep_strict_mode_and_stop_on_a_failure(checkout: Checkout) -> None:
    # Given scripts that run in strict mode, as scripts/test and scripts/demo do
    strict = f'set -euo pipefail\nsource "{checkout.script}"\n'

    # When one sources a working checkout and another a checkout that cannot make its venv
    working = _bash(strict + "shopt -o errexit nounset pipefail\n")
    shutil.rmtree(checkout.root / ".venv")
    broken_python = checkout.root / "broken-python"
    _recording_executable(broken_python, checkout.calls, 1)
    failing = _bash(strict + 'echo "went on"\n', PLANLEDGER_PYTHON=str(broken_python))

    # Then strict mode is still on after sourcing, and a failure stops the caller
    assert working.returncode == 0, working.stderr
    assert _option_states(working.stdout) == dict.fromkeys(STRICT_OPTIONS, "on")
    assert failing.returncode != 0
    assert "went on" not in failing.stdout
