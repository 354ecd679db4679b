"""The peer for `bench_engine`: DBOS Transact in a venv of its own, outside the repository.

Created on first use under ~/.cache/planledger-bench (or $PLANLEDGER_BENCH_CACHE) with pip from
PyPI; DBOS is never a dependency of planledger.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg

DBOS_VERSION = "3.4.0"
PEER_SCRIPT = Path(__file__).with_name("bench_dbos_peer.py")


PY_SPY_VERSION = "0.4.3"


def cache_venv(name: str) -> Path:
    cache = os.environ.get("PLANLEDGER_BENCH_CACHE") or Path.home() / ".cache" / "planledger-bench"
    return Path(cache) / name


def venv_with(name: str, requirement: str, module: str) -> Path:
    """A venv's python with `requirement` installed (venv and install on first use)."""
    venv = cache_venv(name)
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
    if probe.returncode != 0:
        print(f"installing {requirement} into {venv}", file=sys.stderr)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement], check=True)
    return python


def peer_python() -> Path:
    """The DBOS venv's python."""
    return venv_with(f"dbos-{DBOS_VERSION}", f"dbos=={DBOS_VERSION}", "dbos")


def tools_python(tool: str) -> Path:
    """The benchmark tools venv's python, with py-spy installed (its binary beside it)."""
    venv = cache_venv(f"tools-py-spy-{PY_SPY_VERSION}")
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    if not (venv / "bin" / tool).exists():
        print(f"installing py-spy=={PY_SPY_VERSION} into {venv}", file=sys.stderr)
        requirement = f"py-spy=={PY_SPY_VERSION}"
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement], check=True)
    return python


def run_peer(python: Path, dsn: str, size: int) -> dict[str, float]:
    """One DBOS run of both shapes in a fresh schema (dropped after): seconds per shape."""
    schema = f"bench_dbos_{uuid.uuid4().hex[:10]}"
    try:
        done = subprocess.run(
            [str(python), str(PEER_SCRIPT), "--dsn", dsn, "--schema", schema, "--size", str(size)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"the DBOS peer failed: {done.stderr.decode()[-2000:]}")
        result: dict[str, float] = json.loads(done.stdout.decode().strip().splitlines()[-1])
        return result
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
