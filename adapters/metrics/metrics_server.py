"""The `/metrics` endpoint of a long-running command, on its own registry and thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.process_collector import ProcessCollector


def new_registry() -> CollectorRegistry:
    """A registry with the process's CPU, memory and file descriptors (`process_*`)."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    return registry


@contextmanager
def serving_metrics(registry: CollectorRegistry, host: str, port: int) -> Iterator[str]:
    """Serve `registry` at `http://HOST:PORT/metrics` (port 0: any free one); yield that URL."""
    server, thread = start_http_server(port, addr=host, registry=registry)
    try:
        yield f"http://{host}:{server.server_port}/metrics"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
