"""`--metrics-port`/`--metrics-host` of the long-running commands, and what they start.

`adapters.metrics` (and `prometheus_client` with it) is imported only when a port is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from adapters.bootstrap import verify_every_plan, work_queue
from adapters.cli.command_context import stderr_console
from adapters.read_models import ReadSide
from adapters.settings import Settings
from adapters.telemetry import StoreObserver
from adapters.workers.worker import ClaimObserver

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from starlette.types import ASGIApp

MetricsPortOpt = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="Serve Prometheus metrics at http://HOST:PORT/metrics (0: any free port).",
        show_default=False,
    ),
]
MetricsHostOpt = Annotated[
    str, typer.Option("--metrics-host", help="The address /metrics listens on (0.0.0.0: all).")
]
DEFAULT_METRICS_HOST = "127.0.0.1"
"""Local only unless asked: metrics name plans' tools and the store's activity."""

T = TypeVar("T")


@dataclass
class WorkerInstruments:
    """What a worker reports its metrics through (nothing without `--metrics-port`)."""

    observers: list[StoreObserver] = field(default_factory=list)
    on_claim: ClaimObserver | None = None


@contextmanager
def worker_metrics(settings: Settings, port: int | None, host: str) -> Iterator[WorkerInstruments]:
    """Serve a worker's metrics while the block runs: its events, claims and queue depth."""
    if port is None:
        yield WorkerInstruments()
        return
    from adapters.metrics.event_metrics import EventMetrics
    from adapters.metrics.worker_metrics import ClaimMetrics, QueueDepthCollector

    def register(registry: CollectorRegistry) -> WorkerInstruments:
        registry.register(QueueDepthCollector(queue))
        return WorkerInstruments([EventMetrics(registry)], ClaimMetrics(registry))

    with work_queue(settings, "worker") as queue, _served(register, port, host) as instruments:
        yield instruments


@dataclass
class ServeInstruments:
    """What `serve` reports its metrics through (nothing without `--metrics-port`).

    `watch_read_side` is entered with the read side of serve's own projector, when it runs one:
    its lag and plans by status are collected from that side while it is open.
    """

    observers: list[StoreObserver] = field(default_factory=list)
    middleware: Callable[[ASGIApp], ASGIApp] | None = None
    watch_read_side: Callable[[ReadSide], AbstractContextManager[None]] | None = None


@contextmanager
def serve_metrics(port: int | None, host: str) -> Iterator[ServeInstruments]:
    """Serve `serve`'s metrics while the block runs: its requests, the events it appends, and
    (with its projector on; without, the `projector` process reports them) the read models."""
    if port is None:
        yield ServeInstruments()
        return
    from adapters.metrics.event_metrics import EventMetrics
    from adapters.metrics.http_metrics import HttpMetrics
    from adapters.metrics.projector_metrics import ProjectionCollector

    def register(registry: CollectorRegistry) -> ServeInstruments:
        @contextmanager
        def collecting(side: ReadSide) -> Iterator[None]:
            collector = ProjectionCollector(side)
            registry.register(collector)
            try:
                yield
            finally:
                registry.unregister(collector)

        return ServeInstruments(
            [EventMetrics(registry)], HttpMetrics(registry).instrument, collecting
        )

    with _served(register, port, host) as instruments:
        yield instruments


def projector_metrics(
    side: ReadSide, settings: Settings, verify_every_s: float | None
) -> Callable[[CollectorRegistry], AbstractContextManager[None]]:
    """What a projector registers: its projections' lag, plans by status, verifications."""

    def register(registry: CollectorRegistry) -> AbstractContextManager[None]:
        from adapters.metrics.projector_metrics import ProjectionCollector
        from adapters.metrics.verify_metrics import VerifyMetrics, verifying_every

        registry.register(ProjectionCollector(side))
        if verify_every_s is None:
            return nullcontext()
        metrics = VerifyMetrics(registry)
        return verifying_every(verify_every_s, lambda: verify_every_plan(settings), metrics)

    return register


@contextmanager
def served_metrics(
    register: Callable[[CollectorRegistry], AbstractContextManager[None]],
    port: int | None,
    host: str,
) -> Iterator[None]:
    """Serve the metrics `register` adds to a new registry while the block runs (if a port).

    What `register` returns (a thread that measures) runs as long as the server.
    """
    if port is None:
        yield
        return
    with _served(register, port, host) as running, running:
        yield


@contextmanager
def _served(register: Callable[[CollectorRegistry], T], port: int, host: str) -> Iterator[T]:
    from adapters.metrics.metrics_server import new_registry, serving_metrics

    registry = new_registry()
    instruments = register(registry)
    with serving_metrics(registry, host, port) as url:
        stderr_console().print(f"metrics at {url}", highlight=False)
        yield instruments
