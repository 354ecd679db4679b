"""Fields added to stored models after the fact, left out of the serialised form at default (pure).

Events are hashed over their canonical JSON and stored as JSON. A field added later with a
default would appear in the dump of every old event once it is loaded, changing its bytes and
breaking its hash. A field declared with `additive(...)` is left out of the dump while it holds
its default, so an old event (or spec) serialises exactly as it did when recorded, and a new one
that does not use the feature is indistinguishable from an old one.

It is pydantic's own `exclude_if`, so the serialiser skips the field by itself: the wrap
serialiser in Python that did this before ran for every model of every dump, and cost as much
as the rest of hashing and storing an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field


def additive(default: Any = None, *, default_factory: Callable[[], Any] | None = None) -> Any:
    """A field added after events were recorded: dumped only when it is not its default."""
    if default_factory is not None:
        return Field(default_factory=default_factory, exclude_if=_equals(default_factory()))
    return Field(default=default, exclude_if=_equals(default))


def _equals(default: Any) -> Callable[[Any], bool]:
    """Whether a value is `default` (made once per field: only compared with, never handed out,
    so a mutable default stays as made)."""
    return lambda value: bool(value == default)
