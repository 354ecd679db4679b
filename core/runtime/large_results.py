"""Where a result or output goes by its size: inline, to the blob table, or refused.

Over `inline_bytes` (of its JSON) a value is stored once in the store's blob table and the
event records a `BlobRef` (see `core.domain.result_refs`); over `max_bytes` it is refused and
the step fails with `result_too_large`, so one result can neither bloat the log nor the store
without bound. Without a blob store (an engine built bare, in tests) values stay inline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from core.domain.json_value import JsonValue
from core.domain.result_refs import BlobRef, BlobStore
from core.domain.scheduler import Decision, FinishPlan

DEFAULT_INLINE_BYTES = 64 * 1024
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
RESULT_TOO_LARGE = "result_too_large"


class ResultTooLargeError(Exception):
    """A value over the per-result limit: `size` bytes of JSON against `limit`."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"the result is {size} bytes of JSON, over the limit of {limit} bytes "
            "(PLANLEDGER_MAX_RESULT_BYTES)"
        )


@dataclass(frozen=True)
class LargeResults:
    """The size policy: what stays inline, what goes by reference, what is refused."""

    blobs: BlobStore | None = None
    inline_bytes: int = DEFAULT_INLINE_BYTES
    max_bytes: int = DEFAULT_MAX_BYTES

    def kept(self, value: JsonValue) -> tuple[JsonValue, BlobRef | None]:
        """What an event records of `value`: itself, or its preview and the ref of the stored
        value. Raises `ResultTooLargeError` above `max_bytes`."""
        if value is None or isinstance(value, bool | int | float):
            return value, None
        if isinstance(value, str) and 4 * len(value) <= self.inline_bytes:
            return value, None
        content = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        if len(content) > self.max_bytes:
            raise ResultTooLargeError(len(content), self.max_bytes)
        if self.blobs is None or len(content) <= self.inline_bytes:
            return value, None
        ref = BlobRef.of(content)
        self.blobs.put(ref, content)
        return ref.view(), ref

    def finished(self, decision: Decision) -> Decision:
        """A plan's end with each large output stored apart (other decisions as they are).

        An output over the limit is left inline: the plan's end is decided, not refusable.
        """
        if not isinstance(decision, FinishPlan) or not decision.outputs:
            return decision
        outputs = dict(decision.outputs)
        refs: dict[str, BlobRef] = {}
        for name, value in decision.outputs.items():
            try:
                outputs[name], ref = self.kept(value)
            except ResultTooLargeError:
                continue
            if ref is not None:
                refs[name] = ref
        return replace(decision, outputs=outputs, output_refs=refs) if refs else decision
