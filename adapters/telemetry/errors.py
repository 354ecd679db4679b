"""Errors of the telemetry set-up: an exporter or protocol the environment names but we lack."""

from __future__ import annotations

from core import InvalidInputError


class UnsupportedTraceExportError(InvalidInputError):
    """`variable` asks for `value`, which planledger cannot export traces with."""

    def __init__(self, variable: str, value: str) -> None:
        self.variable = variable
        self.value = value
        super().__init__(
            f"{variable}={value!r} is not supported: traces go out with the OTLP exporter over "
            "http/protobuf (OTEL_TRACES_EXPORTER=otlp) or to the console (console)"
        )
