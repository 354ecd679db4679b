"""Benchmark: the HTTP API under concurrent clients, next to a bare FastAPI endpoint, in one run.

A fresh PostgreSQL schema (or `--store URL`) gets `db init` and two API tokens; `planledger
serve` starts on 127.0.0.1. Three loads, each by `--clients` threads (default 32) for
`--seconds` each, bounded in requests too: `GET /plans/{id}` of one plan; create+approve (two
requests per operation: a plan that waits for approval, then its approval by an approver
token); and, as the baseline, a bare FastAPI app on uvicorn answering a constant, served the same
way in another process. It prints requests (or operations) per second and p50/p95/p99 latency,
and each rate as a fraction of the baseline's, so the figures compare across machines.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

PLANLEDGER = Path(sys.executable).parent / "planledger"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
READY = re.compile(r"planledger serving on (http://\S+)")
MAX_REQUESTS_PER_LOAD = 200_000
SPEC = {
    "description": "bench",
    "options": {"require_approval": True, "approvers": ["role:approver"]},
    "steps": [{"id": "a", "tool": "echo", "parameters": {"value": 1}}],
}
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()

@app.get("/constant")
def constant() -> dict[str, str]:
    return {"status": "ok"}
"""


@dataclass(frozen=True)
class Load:
    """What one load measured."""

    name: str
    operations: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.operations / self.seconds

    def percentile(self, percent: int) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, -(-percent * len(ordered) // 100) - 1))]


def run_load(name: str, clients: int, seconds: float, operation: Callable[[], bool]) -> Load:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline and len(mine) < MAX_REQUESTS_PER_LOAD // clients:
            started = time.perf_counter()
            ok = operation()
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(name, len(latencies), time.monotonic() - began, latencies, errors[0])


def start(
    argv: list[str], env: dict[str, str], log: Path, ready: re.Pattern[str]
) -> tuple[subprocess.Popen[bytes], str]:
    with log.open("wb") as stderr:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 60
    while not (found := ready.search(log.read_text(errors="replace"))):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{argv[0]} did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return process, found.group(1)


def cli(store: str, *args: str) -> str:
    done = subprocess.run(
        [str(PLANLEDGER), "--store", store, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a store URL (default: a fresh PostgreSQL schema)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    options = parser.parse_args()
    schema = None
    store = options.store
    if store is None:
        schema = f"bench_api_{uuid.uuid4().hex[:8]}"
        store = f"{os.environ.get('PLANLEDGER_TEST_POSTGRES', DEFAULT_POSTGRES)}?schema={schema}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLANLEDGER_")},
        "PLANLEDGER_TOOLS": "echo",
        "PLANLEDGER_API_RATE": "1000000",
        "PLANLEDGER_API_BURST": "1000000",
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench_api_"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        cli(store, "db", "init")
        submitter = cli(store, "tokens", "create", "bench-submitter", "--role", "submitter")
        approver = cli(store, "tokens", "create", "bench-approver", "--role", "approver")
        server, url = start(
            [str(PLANLEDGER), "--store", store, "serve", "--port", "0", "--no-projector"],
            env,
            workdir / "serve.err",
            READY,
        )
        processes.append(server)
        (workdir / "bare_app.py").write_text(BARE_APP)
        bare, bare_url = start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(workdir),
                "bare_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--log-level",
                "info",
                "--no-access-log",
            ],
            env,
            workdir / "bare.err",
            re.compile(r"Uvicorn running on (http://\S+)"),
        )
        processes.append(bare)
        report(measure(url, bare_url, submitter, approver, options), options)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        if schema is not None:
            with psycopg.connect(
                os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES), autocommit=True
            ) as connection:
                connection.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )


def measure(
    url: str, bare_url: str, submitter: str, approver: str, options: argparse.Namespace
) -> list[Load]:
    limits = httpx.Limits(max_connections=options.clients * 2)
    sub = httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {submitter}"}, limits=limits
    )
    app = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {approver}"}, limits=limits)
    bare = httpx.Client(base_url=bare_url, limits=limits)
    plan_id = sub.post("/plans", json={"spec": SPEC}).json()["id"]

    def get_plan() -> bool:
        return sub.get(f"/plans/{plan_id}").status_code == 200

    def create_and_approve() -> bool:
        created = sub.post("/plans", json={"spec": SPEC})
        if created.status_code != 201:
            return False
        approved = app.post(f"/plans/{created.json()['id']}/approve", json={"comment": "ok"})
        return approved.status_code == 200

    def constant() -> bool:
        return bare.get("/constant").status_code == 200

    try:
        return [
            run_load(
                "bare FastAPI constant (baseline)", options.clients, options.seconds, constant
            ),
            run_load("GET /plans/{id}", options.clients, options.seconds, get_plan),
            run_load("create + approve", options.clients, options.seconds, create_and_approve),
        ]
    finally:
        for client in (sub, app, bare):
            client.close()


def report(loads: list[Load], options: argparse.Namespace) -> None:
    baseline = loads[0].rate
    print(f"{options.clients} clients, {options.seconds:.0f} s per load, on {os.cpu_count()} CPUs")
    print(
        f"{'load':36} {'ops/s':>9} {'x base':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for load in loads:
        print(
            f"{load.name:36} {load.rate:9.1f} {load.rate / baseline:7.3f} "
            f"{load.percentile(50):8.1f} {load.percentile(95):8.1f} {load.percentile(99):8.1f} "
            f"{load.errors:7d}"
        )
    print(f"(median of all latencies: {statistics.median(loads[1].latencies_ms):.1f} ms for GET)")


if __name__ == "__main__":
    main()
