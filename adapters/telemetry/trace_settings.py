"""Whether the environment asks for traces: the standard OpenTelemetry variables, off by default.

Traces are on when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`) or an OTLP
endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`);
`OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true` turn them off whatever else is set.
"""

from __future__ import annotations

from collections.abc import Mapping

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def requested_trace_exporters(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The exporters the environment asks for, lowercased (empty: traces are off)."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ()
    named = [
        name.strip().lower()
        for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")
        if name.strip()
    ]
    if named:
        return tuple(name for name in named if name != "none")
    if any(environ.get(variable, "").strip() for variable in ENDPOINT_VARIABLES):
        return ("otlp",)
    return ()
