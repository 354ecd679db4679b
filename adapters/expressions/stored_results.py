"""Results stored by reference, read for the templates that name them.

The scope a template gets holds a `BlobRef` where a step's result was stored apart (or, in a
plan step's result, where one of its child's outputs was; in a `for_each` step's result, where
one of its items' results was); here it is replaced by the value, read by its digest and checked
against it, so a template reads a large result exactly as it would an inline one. The few most
recent values are kept, since the steps after a large one often all read it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import orjson

from core import BlobRef, BlobStore, ExpressionError, JsonObject, JsonValue

KEPT = 4


class StoredResults:
    """Reads stored results from `blobs` (None: a ref cannot be read here)."""

    def __init__(self, blobs: BlobStore | None) -> None:
        self._blobs = blobs
        self._kept: OrderedDict[str, JsonValue] = OrderedDict()
        self._lock = threading.Lock()  # engines of one process share it across threads

    def loaded(self, scope: JsonObject, source: str) -> JsonObject:
        """`scope` with every step result (or output of a plan step's result, or item of a
        `for_each` step's result) stored by reference replaced by its value."""
        steps = scope.get("steps")
        if not isinstance(steps, dict) or not any(
            _holds_refs(step.get("result")) for step in steps.values()
        ):
            return scope
        loaded: dict[str, Any] = {}
        for step_id, step in steps.items():
            result = step.get("result")
            if _holds_refs(result):
                step = {**step, "result": self._loaded(result, f"steps.{step_id}.result", source)}
            loaded[step_id] = step
        return {**scope, "steps": loaded}

    def _loaded(self, result: JsonValue, where: str, source: str) -> JsonValue:
        """`result` with its ref, or the refs among its outputs or items, read."""
        if isinstance(result, dict):
            return {
                name: self._read(value, f"{where}.{name}", source) for name, value in result.items()
            }
        if isinstance(result, list):
            return [self._read(value, f"{where}[{i}]", source) for i, value in enumerate(result)]
        return self._read(result, where, source)

    def _read(self, value: JsonValue, where: str, source: str) -> JsonValue:
        return self._value(value, where, source) if isinstance(value, BlobRef) else value

    def _value(self, ref: BlobRef, where: str, source: str) -> JsonValue:
        with self._lock:
            if ref.digest in self._kept:
                self._kept.move_to_end(ref.digest)
                return self._kept[ref.digest]
        if self._blobs is None:
            raise ExpressionError(
                source, f"{where} is stored by reference and no blob store is open"
            )
        try:
            content = self._blobs.get(ref.digest)
        except LookupError:
            raise ExpressionError(
                source, f"{where} ({ref.digest}) is missing from the blob table"
            ) from None
        if BlobRef.digest_of(content) != ref.digest:
            raise ExpressionError(source, f"{where} does not match its digest {ref.digest}")
        value: JsonValue = orjson.loads(content)
        with self._lock:
            self._kept[ref.digest] = value
            if len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return value


def _holds_refs(result: object) -> bool:
    """Whether a result in the scope is a ref, or a plan step's outputs or a `for_each` step's
    items with a ref among them."""
    if isinstance(result, dict):
        return any(isinstance(value, BlobRef) for value in result.values())
    if isinstance(result, list):
        return any(isinstance(value, BlobRef) for value in result)
    return isinstance(result, BlobRef)
