"""`scripts/chaos` in a short form: workers killed with -9 mid-run, and every check still holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import cli_environment

CHAOS = Path(__file__).parents[2] / "scripts" / "chaos.py"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.timeout(240)
def test_chaos_short_form_ends_every_plan_with_no_attempt_completed_twice(
    postgres_available: str, tmp_path: Path
) -> None:
    completed = subprocess.run(
        [
            sys.executable, str(CHAOS), "--workers", "2", "--plans", "16", "--kills", "4",
            "--lease-s", "1.5", "--seed", "5", "--timeout-s", "150", "--no-restart-postgres",
            "--postgres", postgres_available,
        ],
        cwd=tmp_path, env=cli_environment(), capture_output=True, text=True, timeout=200,
        check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[-1] == "OK"
    assert "no PostgreSQL restart" in lines[0]
    assert "plans terminal: 16/16" in completed.stdout
    assert "sub-plans not ended: 0" in lines
    assert "step attempts completed twice: 0" in lines
    assert "non-idempotent side effects seen more than once: 0" in lines
    assert "read models equal a rebuild: True" in lines
