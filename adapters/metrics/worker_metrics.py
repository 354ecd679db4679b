"""A worker's own metrics: the work queue's depth (read at each scrape), claims, takeovers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adapters.workers import Claim, WorkQueue
from core import StoreUnavailableError

CLAIM_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class ClaimMetrics:
    """Observes each claim of a worker: its latency, and leases taken over from dead owners."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.latency = Histogram(
            "planledger_queue_claim_seconds",
            "How long one claim on the work queue took (a round trip to PostgreSQL).",
            buckets=CLAIM_BUCKETS,
            registry=registry,
        )
        self.claimed = Counter(
            "planledger_queue_claimed_plans", "Plans this worker claimed.", registry=registry
        )
        self.takeovers = Counter(
            "planledger_lease_takeovers",
            "Plans claimed from an owner whose lease had expired (it died or stalled).",
            registry=registry,
        )

    def __call__(self, claims: Sequence[Claim], seconds: float) -> None:
        self.latency.observe(seconds)
        self.claimed.inc(len(claims))
        self.takeovers.inc(sum(1 for claim in claims if claim.expired_owner is not None))


class QueueDepthCollector(Collector):
    """The work queue as it is at each scrape: plans claimable now, plans under a live lease."""

    def __init__(self, queue: WorkQueue) -> None:
        self._queue = queue

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The families without values: registering asks for them, and must not need a query."""
        return iter(_families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            claimable, leased = self._queue.depth()
        except StoreUnavailableError:
            return
        depth, leases = _families()
        depth.add_metric([], claimable)
        leases.add_metric([], leased)
        yield from (depth, leases)


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily("planledger_queue_depth", "Plans a worker could claim now."),
        GaugeMetricFamily("planledger_queue_leased_plans", "Plans held by a live lease now."),
    )
