"""Spans as the tests compare them, from the SDK's in-memory exporter or from OTLP requests.

`OtlpReceiver` is a real OTLP/HTTP endpoint on 127.0.0.1: it decodes each protobuf request with
the OpenTelemetry protocol's own message classes and keeps the spans.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode


@dataclass(frozen=True)
class Span:
    """What a test needs of a span, whichever way it arrived."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    attributes: dict[str, Any]
    error: bool
    events: tuple[str, ...] = ()
    resource: dict[str, Any] = field(default_factory=dict)


def from_sdk(spans: Iterable[ReadableSpan]) -> list[Span]:
    """Spans the in-memory exporter kept."""
    return [
        Span(
            trace_id=f"{span.context.trace_id:032x}",
            span_id=f"{span.context.span_id:016x}",
            parent_span_id=f"{span.parent.span_id:016x}" if span.parent else None,
            name=span.name,
            attributes=dict(span.attributes or {}),
            error=span.status.status_code is StatusCode.ERROR,
            events=tuple(event.name for event in span.events),
            resource=dict(span.resource.attributes),
        )
        for span in spans
    ]


def _value(any_value: Any) -> Any:
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def from_otlp(request: ExportTraceServiceRequest) -> list[Span]:
    """Spans of one decoded OTLP export request."""
    spans = []
    for resource_spans in request.resource_spans:
        resource = {kv.key: _value(kv.value) for kv in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    Span(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        attributes={kv.key: _value(kv.value) for kv in span.attributes},
                        error=span.status.code == span.status.STATUS_CODE_ERROR,
                        events=tuple(event.name for event in span.events),
                        resource=resource,
                    )
                )
    return spans


class OtlpReceiver:
    """Collects the spans POSTed to `endpoint` (OTLP/HTTP, protobuf, gzip or not)."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.requests = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                receiver._take(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}/v1/traces"

    def _take(self, request: ExportTraceServiceRequest) -> None:
        with self._lock:
            self.requests += 1
            self.spans.extend(from_otlp(request))

    def received(self) -> list[Span]:
        with self._lock:
            return list(self.spans)

    @contextmanager
    def running(self) -> Iterator[OtlpReceiver]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


SHAPE_ATTRIBUTES = (
    "planledger.outcome",
    "error.type",
    "planledger.step.attempt",
    "planledger.tool",
)


def span_tree(spans: Iterable[Span]) -> list[Any]:
    """The spans as a tree of (name, selected attributes, error, children), ids left out.

    Every span's parent must be among the spans, except the roots'; children are sorted, so two
    runs that did the same things in a different order have the same tree.
    """
    by_id = {span.span_id: span for span in spans}
    children: dict[str | None, list[Span]] = {}
    for span in by_id.values():
        parent = span.parent_span_id if span.parent_span_id in by_id else None
        children.setdefault(parent, []).append(span)

    def shape(span: Span) -> Any:
        selected = tuple((key, span.attributes.get(key)) for key in SHAPE_ATTRIBUTES)
        below = sorted((shape(child) for child in children.get(span.span_id, [])), key=repr)
        return (span.name, selected, span.error, below)

    return sorted((shape(root) for root in children.get(None, [])), key=repr)
