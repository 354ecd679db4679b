"""Telemetry of one process: the observers its event store reports to, and their shutdown.

Everything is off unless asked for: without trace exporters or metrics the store is used as it
is, and OpenTelemetry is never imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

from adapters.telemetry.log_trace_ids import install_log_trace_ids
from adapters.telemetry.observed_store import ObservedEventStore, StoreObserver
from adapters.telemetry.span_recorder import SpanExport, SpanRecorder
from adapters.telemetry.trace_registry import TraceRegistry
from core import EventStore


class Telemetry:
    """Wraps event stores so their appends feed spans and metrics; `close` flushes the spans."""

    def __init__(
        self,
        span_export: SpanExport | None = None,
        observers: Sequence[StoreObserver] = (),
    ) -> None:
        self.span_export = span_export
        self.registry = TraceRegistry()
        self._observers = tuple(observers)
        self._closers: list[Callable[[], None]] = []
        if span_export is not None:
            self._closers.append(install_log_trace_ids(self.registry))
            self._closers.append(span_export.close)

    @property
    def active(self) -> bool:
        """True when anything observes the store."""
        return self.span_export is not None or bool(self._observers)

    def observe(self, store: EventStore) -> EventStore:
        """`store`, or a wrapper that reports its appends and loads to this telemetry."""
        if not self.active:
            return store
        observers = list(self._observers)
        if self.span_export is not None:
            observers.append(SpanRecorder(store, self.span_export, self.registry))
        return ObservedEventStore(store, observers)

    def close(self) -> None:
        """Export the spans still buffered; stop adding trace ids to log lines."""
        closers, self._closers = self._closers, []
        for close in reversed(closers):
            close()


def open_telemetry(
    trace_exporters: Sequence[str],
    *,
    observers: Sequence[StoreObserver] = (),
    environ: Mapping[str, str] | None = None,
) -> Telemetry:
    """Telemetry with the trace exporters the settings name (none: no spans) and `observers`.

    Raises:
        UnsupportedTraceExportError: an exporter or OTLP protocol planledger does not have.
    """
    span_export = None
    if trace_exporters:
        from adapters.telemetry.trace_exporter import span_export_from_env

        span_export = span_export_from_env(
            trace_exporters, os.environ if environ is None else environ
        )
    return Telemetry(span_export, observers)
