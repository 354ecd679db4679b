"""A projector's metrics, read at each scrape: each projection's lag, and plans by status."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from adapters.read_models import ReadSide
from adapters.read_models.queries import plans_by_status
from core import PlanLedgerError, PlanStatus


class ProjectionCollector(Collector):
    """Position, lag (events and seconds) and failure of each projection; plans by status."""

    def __init__(self, side: ReadSide) -> None:
        self._side = side

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The families without values: registering asks for them, and must not need a query."""
        return iter(_families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            status = self._side.status()
            plans = plans_by_status(self._side.database)
        except PlanLedgerError:
            return
        position, lag_events, lag_seconds, failing, by_status = _families()
        for projection in status:
            name = [str(projection["name"])]
            position.add_metric(name, _number(projection["position"]))
            lag_events.add_metric(name, _number(projection["lag_events"]))
            lag_seconds.add_metric(name, _number(projection["lag_seconds"]))
            failing.add_metric(name, 1 if projection["last_error"] else 0)
        for plan_status in PlanStatus:
            by_status.add_metric([plan_status.value], plans.get(plan_status.value, 0))
        yield from (position, lag_events, lag_seconds, failing, by_status)


def _families() -> tuple[GaugeMetricFamily, ...]:
    labels = ["projection"]
    return (
        GaugeMetricFamily(
            "planledger_projection_position",
            "The last log position the projection applied.",
            labels=labels,
        ),
        GaugeMetricFamily(
            "planledger_projection_lag_events",
            "Events in the log the projection has not applied yet.",
            labels=labels,
        ),
        GaugeMetricFamily(
            "planledger_projection_lag_seconds",
            "Age of the oldest event the projection has not applied (0 at the head).",
            labels=labels,
        ),
        GaugeMetricFamily(
            "planledger_projection_failing",
            "1 while the projection is stopped on an error it records, else 0.",
            labels=labels,
        ),
        GaugeMetricFamily(
            "planledger_plans", "Plans in the plan summary, by status.", labels=["status"]
        ),
    )


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
