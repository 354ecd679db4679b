"""What a process reports beside its events: spans (OpenTelemetry), and the store hook they use.

OpenTelemetry itself is imported only by `adapters.telemetry.trace_exporter`, when traces are on.
"""

from adapters.telemetry.observed_store import ObservedEventStore, StoreObserver
from adapters.telemetry.span_recorder import SpanExport, SpanRecorder
from adapters.telemetry.telemetry import Telemetry, open_telemetry
from adapters.telemetry.trace_registry import TraceRegistry
from adapters.telemetry.trace_settings import requested_trace_exporters

__all__ = [
    "ObservedEventStore",
    "SpanExport",
    "SpanRecorder",
    "StoreObserver",
    "Telemetry",
    "TraceRegistry",
    "open_telemetry",
    "requested_trace_exporters",
]
