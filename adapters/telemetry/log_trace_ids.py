"""Log lines about a plan carry its `trace_id` and `span_id` while traces are exported."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from adapters.telemetry.trace_registry import TraceRegistry


def install_log_trace_ids(registry: TraceRegistry) -> Callable[[], None]:
    """Put `registry.add_ids` first among structlog's processors; return what takes it out.

    First, so that every renderer (console or JSON) prints the ids.
    """
    processors = list(structlog.get_config()["processors"])
    structlog.configure(processors=[registry.add_ids, *processors])

    def uninstall() -> None:
        current = list(structlog.get_config()["processors"])
        structlog.configure(processors=[p for p in current if p != registry.add_ids])

    return uninstall
