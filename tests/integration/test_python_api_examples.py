"""Every Python example in docs/python-api.md runs as it stands, each in a fresh interpreter.

They run in a scratch directory (their SQLite files land there) that sees the repository's
`examples/`, as a reader running them from the repository root would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGE = ROOT / "docs" / "python-api.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples() -> list[tuple[int, str]]:
    """(line, code) of each fenced Python block on the page."""
    text = PAGE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(1))
        for match in PYTHON_BLOCK.finditer(text)
    ]


def test_the_page_has_examples() -> None:
    assert len(examples()) >= 5


@pytest.mark.parametrize(
    ("line", "code"), [pytest.param(line, code, id=f"line{line}") for line, code in examples()]
)
def test_a_python_api_example_runs(line: int, code: str, tmp_path: Path) -> None:
    # Given a scratch directory that sees the repository's examples
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {name: value for name, value in os.environ.items() if not name.startswith("PLANLEDGER_")}
    env["PYTHONPATH"] = str(ROOT)

    # When the example runs there
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Then it ends well and prints what it promises
    where = f"{PAGE.relative_to(ROOT)}:{line}"
    assert result.returncode == 0, f"{where} failed:\n{result.stderr}"
    assert result.stdout.strip(), f"{where} printed nothing"
