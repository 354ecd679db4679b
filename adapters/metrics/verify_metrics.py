"""What the last hash-chain verification found, as Prometheus gauges.

Verification reads the whole log, so it runs when asked: `audit verify --metrics-file` writes
the gauges for node_exporter's textfile collector (the Prometheus way for batch jobs), and a
projector with `--verify-every S` verifies on a thread of its own and serves them on `/metrics`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, write_to_textfile

from adapters.audit import AuditReport
from core import PlanLedgerError

logger = structlog.get_logger("planledger.verify")


class VerifyMetrics:
    """Gauges of one verification's outcome, and a count of verifications run."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.findings = Gauge(
            "planledger_verify_findings",
            "Plans whose hash chain the last verification found broken, by how it breaks.",
            ["problem"],
            registry=registry,
        )
        self.broken = Gauge(
            "planledger_verify_broken_plans",
            "Plans the last verification found broken (0: every chain holds).",
            registry=registry,
        )
        self.checked = Gauge(
            "planledger_verify_plans_checked",
            "Plans the last verification checked.",
            registry=registry,
        )
        self.finished = Gauge(
            "planledger_verify_last_run_timestamp_seconds",
            "When the last verification ended (Unix time).",
            registry=registry,
        )
        self.runs = Counter("planledger_verify_runs", "Verifications run.", registry=registry)

    def record(self, report: AuditReport) -> None:
        """Replace the gauges with what `report` found."""
        self.findings.clear()
        for problem, count in Tally(f.problem for f in report.findings).items():
            self.findings.labels(problem).set(count)
        self.broken.set(len({f.plan_id for f in report.findings}))
        self.checked.set(report.plans_checked)
        self.finished.set(time.time())
        self.runs.inc()


def write_verify_metrics(report: AuditReport, path: Path) -> None:
    """Write the gauges of `report` to `path` atomically, in Prometheus text format."""
    registry = CollectorRegistry()
    VerifyMetrics(registry).record(report)
    write_to_textfile(str(path), registry)


@contextmanager
def verifying_every(
    every_s: float, verify: Callable[[], AuditReport], metrics: VerifyMetrics
) -> Iterator[None]:
    """Verify at once and then every `every_s` seconds on a daemon thread, while the block runs.

    A verification that fails (the database is gone) is logged and tried again next time.
    """
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                metrics.record(verify())
            except PlanLedgerError as error:
                logger.warning("verification_failed", error=str(error))
            if stop.wait(every_s):
                return

    thread = threading.Thread(target=loop, name="planledger-verify", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
