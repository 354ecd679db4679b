"""W3C trace context of plans and step attempts, derived from ids alone (pure).

A plan execution is one trace. Its trace id is the caller's (the `traceparent` recorded in
`PlanCreated`) or, without one, the plan id itself. Span ids are hashes of the plan id and what
the span stands for (the plan, a step attempt, a map), so every process that records a plan's
events names its spans alike: a plan run by several workers, or resumed after a crash, is still
one trace. A sub-plan records the traceparent of the attempt that started it, so its spans nest
under that attempt.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from uuid import UUID

from core.domain.errors import InvalidTraceparentError

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
SAMPLED = 0x01


@dataclass(frozen=True)
class TraceParent:
    """A parsed `traceparent` header: the trace, the parent span and whether it is sampled."""

    trace_id: str
    span_id: str
    sampled: bool = True

    @property
    def header(self) -> str:
        """The header's text (version 00)."""
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


def parse_traceparent(text: str) -> TraceParent:
    """The `traceparent` in `text`, or `InvalidTraceparentError` saying what is wrong with it.

    Only version 00 is accepted, in the exact form the W3C recommendation gives (lowercase hex):
    a header is recorded in the plan's first event, so a lenient reading now would be a
    different reading later.
    """
    match = _TRACEPARENT.match(text)
    if match is None:
        raise InvalidTraceparentError(text, "not in the W3C traceparent format")
    trace_id, span_id, flags = match.groups()
    if trace_id == _ZERO_TRACE:
        raise InvalidTraceparentError(text, "the trace id is all zeros")
    if span_id == _ZERO_SPAN:
        raise InvalidTraceparentError(text, "the parent id is all zeros")
    return TraceParent(trace_id, span_id, bool(int(flags, 16) & SAMPLED))


@dataclass(frozen=True)
class PlanTrace:
    """Where a plan's spans go: its trace, its own span, the span above it (if any)."""

    plan_id: UUID
    trace_id: str
    plan_span_id: str
    parent_span_id: str | None
    sampled: bool

    def attempt_span_id(self, step_id: str, attempt: int) -> str:
        """The span of attempt `attempt` of `step_id`."""
        return derived_span_id(self.plan_id, "attempt", step_id, str(attempt))

    def map_span_id(self, step_id: str) -> str:
        """The span of a `for_each` step, from its expansion to its gathering."""
        return derived_span_id(self.plan_id, "map", step_id)

    def reopened_span_id(self, count: int) -> str:
        """The span of the plan's `count`-th reopening, up to its next end."""
        return derived_span_id(self.plan_id, "reopened", str(count))

    def traceparent(self, span_id: str) -> str:
        """The header naming `span_id` as the parent, for a tool or a child plan."""
        return TraceParent(self.trace_id, span_id, self.sampled).header

    def attempt_traceparent(self, step_id: str, attempt: int) -> str:
        """The header a tool call (or a child plan) of this attempt continues the trace from."""
        return self.traceparent(self.attempt_span_id(step_id, attempt))


@functools.lru_cache(maxsize=1024)
def plan_trace(plan_id: UUID, traceparent: str | None) -> PlanTrace:
    """The trace of a plan created with `traceparent` (None: a trace of its own, its id).

    A recorded header is checked when the plan is created; one that is not valid all the same
    (written around the engine) is read as none, so that reading a history never fails on it.
    Kept for the plans in use: the engine asks for it at every call it starts, and a digest and
    a parse each time were a tenth of its work per step.
    """
    plan_span = derived_span_id(plan_id, "plan")
    try:
        parent = None if traceparent is None else parse_traceparent(traceparent)
    except InvalidTraceparentError:
        parent = None
    if parent is None:
        return PlanTrace(plan_id, plan_id.hex, plan_span, None, True)
    return PlanTrace(plan_id, parent.trace_id, plan_span, parent.span_id, parent.sampled)


def derived_span_id(plan_id: UUID, *parts: str) -> str:
    """A span id that is a function of the plan and `parts` only (never all zeros)."""
    digest = hashlib.sha256("\x1f".join((str(plan_id), *parts)).encode()).hexdigest()
    for start in range(0, len(digest) - 15, 16):
        candidate = digest[start : start + 16]
        if candidate != _ZERO_SPAN:
            return candidate
    raise AssertionError("a sha256 digest of zeros")
