"""Benchmark: wall time of `planledger --help` and `planledger status ID`, next to `python -c pass`.

A 20-step plan of echo steps is run to the end through the CLI on a fresh SQLite file (and, when
reachable, on a fresh PostgreSQL schema). Then, in `--repeat` rounds (each round runs every
command once, so a load spike hits them all alike), the wall time of each command as a process:
`python -c pass` (the interpreter's own start-up, the baseline), `planledger --help` and
`status ID` as the console script answers them (the lean paths of `adapters.cli.entry`), the
same two through the full typer app (`PLANLEDGER_FULL_CLI=1`: what every call cost before), and
`history ID` (always the full app). Medians, and each one's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PLANLEDGER = str(Path(sys.executable).parent / "planledger")
TARGET_MS = 150.0


def spec_file(folder: Path, steps: int) -> Path:
    """A chain of `steps` echo steps, as JSON (a YAML document too)."""
    lines = [
        f'{{"id": "s{i}", "tool": "echo", "parameters": {{"value": {i}}}}}' for i in range(steps)
    ]
    path = folder / "plan.json"
    body = ",\n".join(lines)
    path.write_text(f'{{"description": "{steps} echo steps", "steps": [\n{body}\n]}}\n')
    return path


def environment(full: bool = False) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PLANLEDGER_")}
    return (env | {"PLANLEDGER_FULL_CLI": "1"}) if full else env


def run_plan(store: str, spec: Path) -> str:
    """Run the plan through the CLI; its id."""
    ran = subprocess.run(
        [PLANLEDGER, "--store", store, "run", str(spec), "--json"],
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    plan_id = ran.stdout.split('"id": "', 1)[1].split('"', 1)[0]
    return str(uuid.UUID(plan_id))


def wall_ms(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode not in (0, 1, 3):
        raise RuntimeError(f"{argv} exited {done.returncode}: {done.stderr.decode()[-400:]}")
    return elapsed


def commands(stores: dict[str, tuple[str, str]]) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Name -> (argv, environment) of every timed command."""
    table = {
        "python -c pass": ([sys.executable, "-c", "pass"], environment()),
        "planledger --help": ([PLANLEDGER, "--help"], environment()),
        "--help, full app": ([PLANLEDGER, "--help"], environment(full=True)),
    }
    for backend, (store, plan_id) in stores.items():
        status = [PLANLEDGER, "--store", store, "status", plan_id]
        table[f"status ID ({backend})"] = (status, environment())
        table[f"status ID ({backend}), full app"] = (status, environment(full=True))
        table[f"status ID --json ({backend})"] = ([*status, "--json"], environment())
    store, plan_id = stores["sqlite"]
    table["history ID (sqlite)"] = (
        [PLANLEDGER, "--store", store, "history", plan_id],
        environment(),
    )
    return table


def measure(table: dict[str, tuple[list[str], dict[str, str]]], repeat: int, cwd: Path) -> None:
    times: dict[str, list[float]] = {name: [] for name in table}
    for _ in range(repeat):
        for name, (argv, env) in table.items():
            times[name].append(wall_ms(argv, env, cwd))
    medians = {name: statistics.median(values) for name, values in times.items()}
    baseline = medians["python -c pass"]
    for name, median in medians.items():
        targets = ("planledger --help", "status ID (sqlite)", "status ID (postgresql)")
        mark = " (target <= 150 ms)" if name in targets else ""
        print(f"{name:<32} {median:8.1f} ms  {median / baseline:5.2f}x python -c pass{mark}")
    help_s, status_s = medians["planledger --help"], medians["status ID (sqlite)"]
    line = (
        f"lean/full: --help {help_s / medians['--help, full app']:.2f}x, status (sqlite) "
        f"{status_s / medians['status ID (sqlite), full app']:.2f}x"
    )
    if "status ID (postgresql)" in medians:
        postgres_s = medians["status ID (postgresql)"]
        full_s = medians["status ID (postgresql), full app"]
        line += f", status (postgresql) {postgres_s / full_s:.2f}x"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    print(
        f"planledger bench_cli: a {arguments.steps}-step plan done, wall time of each command as "
        f"a process, median of {arguments.repeat}",
        flush=True,
    )
    schema = f"bench_cli_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        spec = spec_file(folder, arguments.steps)
        sqlite = f"sqlite:///{folder / 'bench.db'}"
        stores = {"sqlite": (sqlite, run_plan(sqlite, spec))}
        if not arguments.skip_postgres and reachable(arguments.postgres):
            postgres = f"{arguments.postgres}?schema={schema}"
            stores["postgresql"] = (postgres, run_plan(postgres, spec))
        try:
            measure(commands(stores), arguments.repeat, folder)
        finally:
            if "postgresql" in stores:
                with psycopg.connect(arguments.postgres, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        print(f"PostgreSQL at {url} is not reachable: SQLite only", flush=True)
        return False


if __name__ == "__main__":
    main()
