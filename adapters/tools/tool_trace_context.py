"""A tool call's span as the current OpenTelemetry context, for Python code that traces itself.

OpenTelemetry is made current only when it is already loaded in the process (planledger's own
tracing is on, or the called code imported it): importing it costs about 0.1 s, which a process
that traces nothing should not pay for each first call.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

OTEL_CONTEXT_MODULE = "opentelemetry.context"


@contextmanager
def current_trace_context(traceparent: str | None) -> Iterator[None]:
    """Within the block, spans started with the OpenTelemetry API are children of `traceparent`."""
    if traceparent is None or OTEL_CONTEXT_MODULE not in sys.modules:
        yield
        return
    from opentelemetry import context
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    token = context.attach(TraceContextTextMapPropagator().extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        context.detach(token)
