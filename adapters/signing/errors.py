"""Key-file errors, in core's error tree under `InvalidInputError` (CLI exit 2)."""

from __future__ import annotations

from pathlib import Path

from core import InvalidInputError


class KeyFileError(InvalidInputError):
    """A key file or directory that cannot be used: missing, unreadable, not an Ed25519 key."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"key file {self.path}: {problem}")
