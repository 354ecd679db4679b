"""Benchmark: what signing events and tracing cost the engine, each against the same run without.

For a 1,000-step chain and a 1,000-wide plan of no-op steps, run in this process through the
real service on SQLite (and PostgreSQL unless `--skip-postgres`), three variants alternate
`--repeat` times: plain; `--keys`-style, every event signed and every load checked against
trusted keys; traced, spans on (derived from the events, batched, encoded as OTLP protobuf,
then dropped instead of sent). It prints the median wall and CPU time of each and the ratios
keys/plain and traced/plain. CPU time (the whole process: engine, tool threads, signing, span
encoding) is the steadier measure on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import psycopg
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from pydantic import BaseModel, ConfigDict

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.signing import (
    EventSigner,
    TrustedKeys,
    generate_key_pair,
    load_signer,
    load_trusted_keys,
)
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from adapters.system_clock import RandomIds, SystemClock
from adapters.telemetry import Telemetry
from adapters.telemetry.trace_exporter import OtelSpanExport
from core.domain.events import PlanEvent
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from core.runtime.tools import ToolContext, ToolRegistry

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


class NoParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _noop(parameters: NoParameters, context: ToolContext) -> None:
    return None


class CountingStore:
    """The real store, counting appends, events and bytes on the way through."""

    def __init__(self, inner: LibraryEventStore) -> None:
        self.inner = inner
        self.appends = 0
        self.events = 0
        self.payload_bytes = 0

    def load(self, plan_id: UUID, after_version: int = 0) -> list[PlanEvent]:
        return self.inner.load(plan_id, after_version)

    def append(self, events: Sequence[PlanEvent]) -> None:
        self.inner.append(events)
        self.appends += 1
        self.events += len(events)
        self.payload_bytes += sum(len(event.model_dump_json()) for event in events)


@dataclass(frozen=True)
class Measurement:
    seconds: float
    steps: int
    events: int
    appends: int
    payload_bytes: int
    cpu_seconds: float = 0.0


def chain(size: int) -> dict[str, object]:
    steps = [
        {"id": f"s{i}", "tool": "noop", "depends_on": [f"s{i - 1}"] if i else []}
        for i in range(size)
    ]
    return {"description": f"{size}-step chain", "steps": steps}


def wide(size: int, parallel: int) -> dict[str, object]:
    steps = [{"id": f"s{i}", "tool": "noop"} for i in range(size)]
    return {
        "description": f"{size}-wide plan",
        "options": {"max_parallel_steps": parallel},
        "steps": steps,
    }


class EncodingExporter(SpanExporter):
    """Encodes each batch as OTLP protobuf, as the HTTP exporter does, and sends it nowhere."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        encode_spans(spans).SerializeToString()
        return SpanExportResult.SUCCESS


Keys = tuple[EventSigner, TrustedKeys] | None


def run_engine(
    url: str, spec: dict[str, object], keys: Keys = None, *, traced: bool = False
) -> Measurement:
    tools = ToolRegistry()
    tools.register("noop", NoParameters, _noop)
    signer, trusted = keys if keys is not None else (None, None)
    store = CountingStore(open_event_store(parse_store_url(url), signer=signer, trusted=trusted))
    telemetry = Telemetry(
        OtelSpanExport(BatchSpanProcessor(EncodingExporter())) if traced else None
    )
    try:
        service = PlanService(
            telemetry.observe(store),
            tools,
            SystemClock(),
            RandomIds(),
            expressions=JinjaExpressions(),
            json_schemas=JsonSchemaChecker(),
            worker="bench",
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        plan = service.run(spec, by="bench")
        seconds = time.perf_counter() - started
        telemetry.close()  # the spans still batched are part of the cost
        cpu_seconds = time.process_time() - cpu_started
        assert plan.status is PlanStatus.COMPLETED, plan.status
        return Measurement(
            seconds, len(plan.steps), store.events, store.appends, store.payload_bytes, cpu_seconds
        )
    finally:
        telemetry.close()
        store.inner.close()


def make_keys(folder: str) -> Keys:
    pair = generate_key_pair(Path(folder) / "keys", "bench")
    return load_signer(pair.private_path), load_trusted_keys(pair.public_path.parent)


Variant = Callable[[str], Measurement]


def compare(
    label: str, urls: Callable[[str, int], str], variants: dict[str, Variant], repeat: int
) -> None:
    """Each variant `repeat` times, alternating; medians and ratios against `plain`."""
    runs: dict[str, list[Measurement]] = {name: [] for name in variants}
    for index in range(repeat):
        for name, variant in variants.items():
            runs[name].append(variant(urls(name, index)))
    wall = {name: statistics.median(m.seconds for m in ms) for name, ms in runs.items()}
    cpu = {name: statistics.median(m.cpu_seconds for m in ms) for name, ms in runs.items()}
    steps = runs["plain"][0].steps
    for name in variants:
        print(
            f"{label:<24} {name:<7} {steps / wall[name]:>7.0f} steps/s  wall {wall[name]:.2f} s "
            f"({wall[name] / wall['plain']:.2f}x plain)  CPU {cpu[name]:.2f} s "
            f"({cpu[name] / cpu['plain']:.2f}x plain)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_steps (wide)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; medians kept")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    shapes = {"chain": chain(arguments.size), "wide": wide(arguments.size, arguments.parallel)}
    print(f"planledger bench_overhead: {arguments.size} no-op steps, median of {arguments.repeat}")
    schemas: list[str] = []

    def postgres_url(name: str, index: int) -> str:
        schemas.append(f"bench_{uuid.uuid4().hex[:10]}")
        return f"{arguments.postgres}?schema={schemas[-1]}"

    with tempfile.TemporaryDirectory() as folder:
        keys = make_keys(folder)
        for shape, spec in shapes.items():
            variants: dict[str, Variant] = {
                "plain": lambda url, spec=spec: run_engine(url, spec),
                "keys": lambda url, spec=spec: run_engine(url, spec, keys),
                "traced": lambda url, spec=spec: run_engine(url, spec, traced=True),
            }
            compare(
                f"sqlite {arguments.size}-{shape}",
                lambda name, i, shape=shape: f"sqlite:///{folder}/{shape}-{name}-{i}.db",
                variants,
                arguments.repeat,
            )
            if arguments.skip_postgres:
                continue
            try:
                compare(
                    f"postgresql {arguments.size}-{shape}", postgres_url, variants, arguments.repeat
                )
            finally:
                with psycopg.connect(arguments.postgres, autocommit=True) as connection:
                    for schema in schemas:
                        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


if __name__ == "__main__":
    main()
