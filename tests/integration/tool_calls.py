"""What the built-in tool tests share: a tool context, waiting with a deadline, a dead process."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest

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
