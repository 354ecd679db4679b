"""E2E fixtures: a runner for the `planledger` console script, one isolated store per test.

Every call is a real process with `cwd=tmp_path`, a timeout, and an environment without any
`PLANLEDGER_*` variable from outside, so only what a test passes reaches the CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from .workers import StoreView, WorkerProcess

PLANLEDGER = Path(sys.executable).parent / "planledger"
SPECS = Path(__file__).parent / "specs"
CALL_TIMEOUT_S = 30.0
DB_NAME = "x.db"


@dataclass(frozen=True)
class CliResult:
    """How one CLI process ended."""

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs `planledger --store STORE ...` in `cwd`, as a user at a terminal would."""

    def __init__(self, cwd: Path, store: str) -> None:
        self.cwd = cwd
        self.store = store
        self.env: dict[str, str] = {}
        """Variables added to every call's environment (a test's `PLANLEDGER_*` settings)."""

    def __call__(self, *args: str, store: str | None = None) -> CliResult:
        argv = self._argv(args, store)
        completed = subprocess.run(
            argv,
            cwd=self.cwd,
            env=self.environment(args) | self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CALL_TIMEOUT_S,
            check=False,
        )
        return CliResult(tuple(argv[1:]), completed.returncode, completed.stdout, completed.stderr)

    def start(self, *args: str, output: Path) -> subprocess.Popen[bytes]:
        """Start a CLI process in the background; stdout goes to `output`, stderr beside it."""
        with output.open("wb") as stdout, output.with_suffix(".err").open("wb") as stderr:
            return subprocess.Popen(
                self._argv(args, None),
                cwd=self.cwd,
                env=self.environment(args) | self.env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )

    def spec(self, name: str) -> str:
        """Copy `specs/NAME` into the working directory; return the name a user would type."""
        shutil.copyfile(SPECS / name, self.cwd / name)
        return name

    def write_spec(self, spec: dict[str, Any] | str, name: str = "plan.yaml") -> str:
        """Write a spec (a dict as YAML, or raw text) into the working directory."""
        text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
        (self.cwd / name).write_text(text, encoding="utf-8")
        return name

    def stored_event_count(self) -> int:
        """Events in the SQLite store file: 0 when the file or its table does not exist."""
        path = self.cwd / DB_NAME
        if not path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(path)) as connection:
            tables = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stored_events'"
            ).fetchall()
            if not tables:
                return 0
            (count,) = connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()
        return int(count)

    def environment(self, args: tuple[str, ...]) -> dict[str, str]:
        """The environment of one call (a remote CLI adds its server and token)."""
        return cli_environment()

    def _argv(self, args: tuple[str, ...], store: str | None) -> list[str]:
        return [str(PLANLEDGER), "--store", store or self.store, *args]


def cli_environment() -> dict[str, str]:
    """The caller's environment minus `PLANLEDGER_*`, with a wide terminal for readable tables."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PLANLEDGER_")}
    env["COLUMNS"] = "200"
    return env


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / DB_NAME}"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The CLI on a fresh SQLite file in the test's own directory."""
    return Cli(tmp_path, sqlite_url(tmp_path))


@pytest.fixture(params=["local", pytest.param("server", marks=pytest.mark.slow)])
def cli_here_or_remote(request: pytest.FixtureRequest, cli: Cli, tmp_path: Path) -> Iterator[Cli]:
    """The CLI on a SQLite file; then the same commands through `--server` to a `serve` on it."""
    if request.param == "local":
        yield cli
        return
    from .api_server import RemoteCli

    yield from RemoteCli.serving(cli, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cli_on_each_store(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    """The CLI on a fresh SQLite file, then on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return Cli(tmp_path, sqlite_url(tmp_path))
    return Cli(tmp_path, request.getfixturevalue("postgres_url"))


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str) -> None:
    """Poll `predicate` every 10 ms until it is true; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(name="wait_until")
def wait_until_fixture() -> Callable[..., None]:
    """`wait_until(predicate, timeout=..., what=...)`: a condition with a deadline."""
    return wait_until


# Workers on PostgreSQL (`tests/e2e/workers.py` imports this module, hence the late imports)


@pytest.fixture
def pg_cli(cli: Cli, postgres_url: str) -> Cli:
    """The CLI on a fresh PostgreSQL schema, in the test's directory."""
    return Cli(cli.cwd, postgres_url)


@pytest.fixture
def initialised(pg_cli: Cli) -> Cli:
    """`pg_cli` after `planledger db init`."""
    result = pg_cli("db", "init")
    assert result.exit_code == 0, result
    return pg_cli


@pytest.fixture
def view(postgres_url: str) -> Iterator[StoreView]:
    """Histories and the work table of the test's PostgreSQL store."""
    from .workers import StoreView

    opened = StoreView(postgres_url)
    yield opened
    opened.close()


@pytest.fixture
def workers() -> Iterator[Callable[..., WorkerProcess]]:
    """Start `planledger worker` processes; each is killed at the end if still running."""
    from .workers import WorkerProcess

    started: list[WorkerProcess] = []

    def start(cli: Cli, name: str, **options: Any) -> WorkerProcess:
        process = WorkerProcess(cli, name, **options).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
