"""Worker processes and store inspection for the worker tests (real processes, real PostgreSQL).

`kill -9` takes a worker's tool processes with it, as a machine that dies would (the shell tool
starts each command in a session of its own, so they are found through /proc); a worker's
stderr is kept beside the test for diagnosis.
"""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from core.domain.events import PlanEvent, StepCompleted
from core.domain.plan import PlanState, fold
from scripts.chaos import kill_tree  # the same "machine dies" kill the chaos check uses

from .conftest import PLANLEDGER, Cli, cli_environment


@dataclass
class WorkerProcess:
    """One `planledger worker` process."""

    cli: Cli
    name: str
    lease_s: float = 2.0
    concurrency: int = 2
    grace_s: float = 10.0
    app_name: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> WorkerProcess:
        env = cli_environment()
        if self.app_name is not None:
            env["PGAPPNAME"] = self.app_name
        err = self.cli.cwd / f"worker-{self.name}.err"
        with err.open("ab") as stderr:
            self.process = subprocess.Popen(
                [
                    str(PLANLEDGER),
                    "--store",
                    self.cli.store,
                    "worker",
                    "--id",
                    self.name,
                    "--lease-s",
                    str(self.lease_s),
                    "--concurrency",
                    str(self.concurrency),
                    "--grace-s",
                    str(self.grace_s),
                ],
                cwd=self.cli.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stderr(self) -> str:
        path = self.cli.cwd / f"worker-{self.name}.err"
        return path.read_text() if path.exists() else ""

    def kill_9(self) -> None:
        """SIGKILL the worker and every process it started."""
        assert self.process is not None
        kill_tree(self.process.pid)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float) -> int:
        """SIGTERM the worker alone; its exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill_9()


class StoreView:
    """Reads a PostgreSQL test store from the test process: histories and the work table."""

    def __init__(self, url: str) -> None:
        config = parse_store_url(url)
        assert config.conninfo is not None
        assert config.schema is not None
        self._conninfo = config.conninfo
        self._schema = config.schema
        self._store: LibraryEventStore | None = None
        self._url = url
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def store(self) -> LibraryEventStore:
        if self._store is None:
            self._store = open_event_store(parse_store_url(self._url), {"CREATE_TABLE": "n"})
        return self._store

    def history(self, plan_id: UUID | str) -> list[PlanEvent]:
        return self.store().load(UUID(str(plan_id)))

    def plan(self, plan_id: UUID | str) -> PlanState:
        return fold(self.history(plan_id))

    def work_rows(self) -> list[tuple[UUID, str | None, bool]]:
        rows = self._query("SELECT plan_id, owner, done FROM {}.planledger_work", "planledger_work")
        return [(UUID(str(row[0])), row[1], bool(row[2])) for row in rows]

    def plan_ids_in_events(self) -> set[UUID]:
        rows = self._query(
            "SELECT DISTINCT originator_id FROM {}.planledger_events", "planledger_events"
        )
        return {UUID(str(row[0])) for row in rows}

    def all_done(self) -> bool:
        rows = self.work_rows()
        return bool(rows) and all(done for _, _, done in rows)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._connection is not None:
            self._connection.close()

    def _query(self, template: str, table: str) -> list[tuple[object, ...]]:
        del table
        statement = sql.SQL(template).format(sql.Identifier(self._schema))
        if self._connection is None:
            self._connection = psycopg.connect(self._conninfo, autocommit=True)
        return self._connection.execute(statement).fetchall()


def terminate_backends(conninfo_url: str, app_name: str) -> int:
    """`pg_terminate_backend` every session whose application_name is `app_name`."""
    with psycopg.connect(conninfo_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (app_name,),
        ).fetchall()
    return sum(1 for row in rows if row[0])


def iter_lines(path: Path) -> Iterator[str]:
    if path.exists():
        yield from path.read_text().split()


def shell_step(step_id: str, command: str, **fields: Any) -> dict[str, Any]:
    """A `shell` step running `command` through /bin/sh."""
    return {
        "id": step_id,
        "tool": "shell",
        "parameters": {"command": command, "shell": True},
        **fields,
    }


def spec(*steps: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A spec document of these steps and options."""
    document: dict[str, Any] = {"description": "worker test plan", "steps": list(steps)}
    if options:
        document["options"] = options
    return document


def completed_attempts(events: list[Any]) -> Counter[tuple[str, int]]:
    """How often each (step, attempt) completed in a history."""
    return Counter((e.step_id, e.attempt) for e in events if isinstance(e, StepCompleted))
