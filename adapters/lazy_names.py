"""A package's names imported on first use (PEP 562), for packages whose parts are costly.

A package that re-exports its parts makes every importer pay for all of them; with
`__getattr__ = lazy_names(globals(), homes)`, each name is imported from its home module when
first read, then kept in the package like an ordinary import. Standard library only: the CLI's
lean paths import packages built this way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(namespace: dict[str, Any], homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from `homes[name]` and keeps it."""
    package = namespace["__name__"]

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home), name)
        namespace[name] = value
        return value

    return attribute
