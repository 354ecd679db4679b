"""The traces of the plans this process has met, for log lines that name their trace and span."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import MutableMapping
from typing import Any
from uuid import UUID

from core import PlanTrace

REMEMBERED_PLANS = 4096
"""Plans whose trace is kept (the most recently met): a worker meets plans without end."""


class TraceRegistry:
    """Plan id -> its `PlanTrace`, learned from `PlanCreated` events this process read or wrote."""

    def __init__(self, size: int = REMEMBERED_PLANS) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._traces: OrderedDict[UUID, PlanTrace] = OrderedDict()

    def remember(self, trace: PlanTrace) -> None:
        """Keep `trace`, forgetting the least recently met plan when full."""
        with self._lock:
            self._traces[trace.plan_id] = trace
            self._traces.move_to_end(trace.plan_id)
            while len(self._traces) > self._size:
                self._traces.popitem(last=False)

    def get(self, plan_id: UUID) -> PlanTrace | None:
        """The plan's trace, if this process has met it."""
        with self._lock:
            return self._traces.get(plan_id)

    def add_ids(
        self, logger: object, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """A structlog processor: a line about a known plan gets `trace_id` and `span_id`.

        The span is the step attempt's when the line names `step_id` and `attempt`, else the
        plan's own.
        """
        plan = event_dict.get("plan_id")
        try:
            trace = self.get(UUID(str(plan))) if plan is not None else None
        except ValueError:
            trace = None
        if trace is None:
            return event_dict
        event_dict["trace_id"] = trace.trace_id
        step, attempt = event_dict.get("step_id"), event_dict.get("attempt")
        if isinstance(step, str) and isinstance(attempt, int):
            event_dict["span_id"] = trace.attempt_span_id(step, attempt)
        else:
            event_dict["span_id"] = trace.plan_span_id
        return event_dict
