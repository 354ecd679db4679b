"""The read side's input errors, in core's error tree under `InvalidInputError` (CLI exit 2)."""

from __future__ import annotations

from collections.abc import Sequence

from core import InvalidInputError


class InvalidCursorError(InvalidInputError):
    """A page cursor that `plans list` did not hand out."""

    def __init__(self, cursor: str) -> None:
        self.cursor = cursor
        super().__init__(f"invalid page cursor {cursor!r}: pass the one the previous page printed")


class UnknownProjectionError(InvalidInputError):
    """A projection name that is not registered."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown projection {name!r}; known: {', '.join(self.known)}")
