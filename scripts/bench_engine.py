"""Benchmark: no-op steps per second through the engine, next to a raw database baseline.

For a 1,000-step chain and a 1,000-wide plan, on SQLite and PostgreSQL, it runs the plan through
the real service and counts the events and appends (commits) the engine made; then, in the same
process, a raw sqlite3/psycopg loop writes the same number of rows of the same average size in
the same number of commits. The ratio says what the engine costs over bare writes. `--keys` runs
each case again with every event signed and every load checked against trusted keys, and says
what that costs over the same case without keys.

With `--traces`, each case also runs with spans on (derived from the events, batched, encoded as
OTLP protobuf, then dropped instead of sent), and the time ratio traces-on/off is reported.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
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


def report_traces(url: str, label: str, spec: dict[str, object], repeat: int) -> None:
    """Runs off and on, alternating, in this process; the ratios of the median times.

    CPU time (of the whole process: engine, tool threads, span batching and encoding) is the
    steadier measure on a shared machine; wall time includes waits for the disk and the GIL.
    """
    off, on = [], []
    for index in range(repeat):
        off.append(run_engine(f"{url}-off-{index}.db", spec))
        on.append(run_engine(f"{url}-on-{index}.db", spec, traced=True))
    wall_off = statistics.median(m.seconds for m in off)
    wall_on = statistics.median(m.seconds for m in on)
    cpu_off = statistics.median(m.cpu_seconds for m in off)
    cpu_on = statistics.median(m.cpu_seconds for m in on)
    print(
        f"{label:<27} traces off/on: wall {wall_off:.2f}/{wall_on:.2f} s "
        f"(ratio {wall_on / wall_off:.2f}x), CPU {cpu_off:.2f}/{cpu_on:.2f} s "
        f"(ratio {cpu_on / cpu_off:.2f}x)"
    )


def baseline_sqlite(path: Path, rows: int, commits: int, row_bytes: int) -> float:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS raw_events (id TEXT, version INTEGER, topic TEXT, state BLOB, "
        "PRIMARY KEY (id, version))"
    )
    started = time.perf_counter()
    _write_batches(rows, commits, row_bytes, lambda batch: _sqlite_commit(connection, batch))
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _sqlite_commit(
    connection: sqlite3.Connection, batch: list[tuple[str, int, str, bytes]]
) -> None:
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO raw_events VALUES (?, ?, ?, ?)", batch)
    connection.execute("COMMIT")


def baseline_postgres(dsn: str, schema: str, rows: int, commits: int, row_bytes: int) -> float:
    with psycopg.connect(dsn) as connection:
        connection.execute(
            f"CREATE TABLE {schema}.raw_events (id uuid, version int, topic text, "
            "state bytea, PRIMARY KEY (id, version))"
        )
        connection.commit()

        def commit(batch: list[tuple[str, int, str, bytes]]) -> None:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {schema}.raw_events VALUES (%s, %s, %s, %s)", batch
                )
            connection.commit()

        started = time.perf_counter()
        _write_batches(rows, commits, row_bytes, commit)
        return time.perf_counter() - started


def _write_batches(
    rows: int,
    commits: int,
    row_bytes: int,
    commit: Callable[[list[tuple[str, int, str, bytes]]], None],
) -> None:
    plan_id = str(uuid.uuid4())
    payload = b"x" * row_bytes
    per_commit = [rows // commits + (1 if i < rows % commits else 0) for i in range(commits)]
    version = 0
    for count in per_commit:
        batch = []
        for _ in range(count):
            version += 1
            batch.append((plan_id, version, "core.domain.events:StepCompleted", payload))
        commit(batch)


def report(backend: str, shape: str, engine: Measurement, baseline_s: float) -> None:
    steps_per_s = engine.steps / engine.seconds
    raw_steps_per_s = engine.steps / baseline_s
    print(
        f"{backend:<10} {shape:<16} {steps_per_s:>9.0f} steps/s  "
        f"({engine.events} events in {engine.appends} appends, {engine.seconds:.2f} s)  "
        f"raw baseline {raw_steps_per_s:>9.0f} steps/s ({baseline_s:.2f} s)  "
        f"engine/raw time ratio {engine.seconds / baseline_s:.1f}x"
    )


def report_keys(backend: str, shape: str, plain: Measurement, keyed: Measurement) -> None:
    print(
        f"{backend:<10} {shape:<16} {keyed.steps / keyed.seconds:>9.0f} steps/s signed and "
        f"checked ({keyed.seconds:.2f} s)  without keys {plain.steps / plain.seconds:>9.0f} "
        f"steps/s  keys/no-keys time ratio {keyed.seconds / plain.seconds:.2f}x"
    )


def make_keys(folder: str) -> Keys:
    pair = generate_key_pair(Path(folder) / "keys", "bench")
    return load_signer(pair.private_path), load_trusted_keys(pair.public_path.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument(
        "--parallel", type=int, default=16, help="max_parallel_steps of the wide plan"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the median is kept")
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--traces", action="store_true", help="also time traces on against off")
    parser.add_argument("--keys", action="store_true", help="also sign and check every event")
    arguments = parser.parse_args()
    shapes = {"chain": chain(arguments.size), "wide": wide(arguments.size, arguments.parallel)}
    print(f"planledger bench_engine: {arguments.size} no-op steps, median of {arguments.repeat}")
    with tempfile.TemporaryDirectory() as folder:
        keys = make_keys(folder) if arguments.keys else None
        for shape, spec in shapes.items():
            runs = [
                run_engine(f"sqlite:///{folder}/{shape}-{i}.db", spec)
                for i in range(arguments.repeat)
            ]
            engine = sorted(runs, key=lambda m: m.seconds)[len(runs) // 2]
            base = statistics.median(
                baseline_sqlite(
                    Path(folder) / f"raw-{shape}-{i}.db",
                    engine.events,
                    engine.appends,
                    engine.payload_bytes // engine.events,
                )
                for i in range(arguments.repeat)
            )
            report("sqlite", f"{arguments.size}-{shape}", engine, base)
            if arguments.traces:
                label = f"sqlite     {arguments.size}-{shape}"
                report_traces(f"sqlite:///{folder}/traces-{shape}", label, spec, arguments.repeat)
            if keys is not None:
                keyed = [
                    run_engine(f"sqlite:///{folder}/{shape}-keys-{i}.db", spec, keys)
                    for i in range(arguments.repeat)
                ]
                median = sorted(keyed, key=lambda m: m.seconds)[len(keyed) // 2]
                report_keys("sqlite", f"{arguments.size}-{shape}", engine, median)
    if arguments.skip_postgres:
        return
    for shape, spec in shapes.items():
        measurements, bases = [], []
        for _ in range(arguments.repeat):
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            try:
                measurements.append(run_engine(f"{arguments.postgres}?schema={schema}", spec))
                engine = measurements[-1]
                bases.append(
                    baseline_postgres(
                        arguments.postgres,
                        schema,
                        engine.events,
                        engine.appends,
                        engine.payload_bytes // engine.events,
                    )
                )
            finally:
                with psycopg.connect(arguments.postgres, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine = sorted(measurements, key=lambda m: m.seconds)[len(measurements) // 2]
        report("postgresql", f"{arguments.size}-{shape}", engine, statistics.median(bases))
        if arguments.keys:
            report_keys(
                "postgresql",
                f"{arguments.size}-{shape}",
                engine,
                _keyed_postgres(arguments.postgres, spec, arguments.repeat),
            )


def _keyed_postgres(dsn: str, spec: dict[str, object], repeat: int) -> Measurement:
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        keys = make_keys(folder)
        for _ in range(repeat):
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            try:
                runs.append(run_engine(f"{dsn}?schema={schema}", spec, keys))
            finally:
                with psycopg.connect(dsn, autocommit=True) as connection:
                    connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return sorted(runs, key=lambda m: m.seconds)[len(runs) // 2]


if __name__ == "__main__":
    main()
