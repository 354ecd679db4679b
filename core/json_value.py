"""The JSON value aliases: the one place core admits an untyped value (pure)."""

from __future__ import annotations

from typing import Any, TypeAlias

JsonValue: TypeAlias = Any
"""Any value that survives a JSON round trip: tool parameters and results."""

JsonObject: TypeAlias = dict[str, Any]
"""A JSON object with string keys."""
