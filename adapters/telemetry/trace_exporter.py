"""Spans derived from events, handed to OpenTelemetry's SDK: OTLP over HTTP, or the console.

This is the only module that imports OpenTelemetry's SDK, and only `open_telemetry` imports it,
when the environment asks for traces: a process that traces nothing never loads it. The OTLP
exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables itself (endpoint, headers,
timeout, compression, certificates), the batch processor the `OTEL_BSP_*` ones, the resource
`OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanProcessor
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

from adapters.telemetry.errors import UnsupportedTraceExportError
from core import SpanRecord, SpanStatus

SCOPE = InstrumentationScope("planledger")
DEFAULT_SERVICE_NAME = "planledger"
SUPPORTED_PROTOCOL = "http/protobuf"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class OtelSpanExport:
    """A `SpanExport` into an OpenTelemetry span processor; unsampled traces are dropped."""

    def __init__(self, processor: SpanProcessor, resource: Resource | None = None) -> None:
        self._processor = processor
        self._resource = resource or service_resource()

    def export(self, spans: Sequence[SpanRecord]) -> None:
        for span in spans:
            if span.sampled:
                self._processor.on_end(readable_span(span, self._resource))

    def close(self) -> None:
        self._processor.shutdown()


def span_export_from_env(exporters: Sequence[str], environ: Mapping[str, str]) -> OtelSpanExport:
    """The export `OTEL_TRACES_EXPORTER` names: `otlp` (batched, HTTP) and/or `console`."""
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or SUPPORTED_PROTOCOL
    )
    processors: list[SpanProcessor] = []
    for name in exporters:
        if name == "otlp":
            if protocol != SUPPORTED_PROTOCOL:
                raise UnsupportedTraceExportError("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
            processors.append(BatchSpanProcessor(_otlp_exporter()))
        elif name == "console":
            processors.append(SimpleSpanProcessor(ConsoleSpanExporter()))
        else:
            raise UnsupportedTraceExportError("OTEL_TRACES_EXPORTER", name)
    processor = processors[0] if len(processors) == 1 else _Both(processors)
    return OtelSpanExport(processor)


def service_resource() -> Resource:
    """The resource from `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, else `planledger`."""
    resource = Resource.create()
    name = str(resource.attributes.get(SERVICE_NAME, ""))
    if name.startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return resource


def readable_span(span: SpanRecord, resource: Resource) -> ReadableSpan:
    """The SDK's finished span for a span record, with its derived ids and times."""
    flags = TraceFlags(TraceFlags.SAMPLED if span.sampled else TraceFlags.DEFAULT)
    trace_id = int(span.trace_id, 16)
    parent = None
    if span.parent_span_id is not None:
        parent = SpanContext(trace_id, int(span.parent_span_id, 16), is_remote=False)
    status = (
        Status(StatusCode.ERROR, span.status_message or None)
        if span.status is SpanStatus.ERROR
        else Status(StatusCode.UNSET)
    )
    return ReadableSpan(
        name=span.name,
        context=SpanContext(trace_id, int(span.span_id, 16), is_remote=False, trace_flags=flags),
        parent=parent,
        resource=resource,
        attributes=span.attributes,
        events=[
            Event(moment.name, moment.attributes, _nanoseconds(moment.at)) for moment in span.events
        ],
        kind=SpanKind.INTERNAL,
        status=status,
        start_time=_nanoseconds(span.start),
        end_time=_nanoseconds(span.end),
        instrumentation_scope=SCOPE,
    )


def _nanoseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _otlp_exporter() -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


class _Both(SpanProcessor):
    """Several processors as one (OTEL_TRACES_EXPORTER=otlp,console)."""

    def __init__(self, processors: Sequence[SpanProcessor]) -> None:
        self._processors = tuple(processors)

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self._processors:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in self._processors:
            processor.shutdown()
