"""Benchmark: the least a 1,000-step plan costs in this design, whatever the scheduler does.

`bench_engine` compares whole runs with raw writes. This one asks what part of the gap no
faster engine could close: the work every event needs in this design, with the scheduler,
the fold and the tools taken away. For the plan's own events (recorded once by an in-process
run of the shape, on the same backend), each repeat times, on a fresh store:

- raw: the raw loop of `bench_engine`, the same rows, row size and commits;
- events + store: building each event again from its fields (pydantic validation), sealing
  it into the hash chain, mapping it to a stored row (orjson) and appending the rows in the
  run's own commits, through the store's recorder;
- read models: `planledger run`'s catch-up of the read models over those events.

`floor/raw` is raw's rate over (events + store + read models)'s: the best ratio `run` could
reach against raw if the engine's own work cost nothing. Medians of `--repeat` rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from bench_baselines import baseline_postgres, baseline_sqlite
from bench_engine import DEFAULT_POSTGRES, CountingStore, chain, wide

from adapters.bootstrap import build_service, catch_up_read_models, open_store
from adapters.settings import Settings
from core import PlanEvent, PlanStatus
from core.domain.hash_chain import seal

Batches = list[list[PlanEvent]]


def recorded_batches(url: str, spec: dict[str, object]) -> tuple[Batches, int]:
    """The events of one in-process run of `spec`, as appended, and their average size (as
    `bench_engine` gives its raw loop)."""
    settings = Settings(store_url=url, actor="bench", worker_id="bench")
    store = CountingStore(open_store(settings))
    try:
        plan = build_service(settings, store).run(spec, by="bench")  # type: ignore[arg-type]
        assert plan.status is PlanStatus.COMPLETED, plan.status
    finally:
        store.inner.close()
    return store.batches, store.payload_bytes // store.events


def rebuilt(event: PlanEvent) -> PlanEvent:
    """The event built again from its fields and sealed, as the engine's stamper does."""
    fields = {name: getattr(event, name) for name in type(event).model_fields if name != "hash"}
    return seal(type(event)(**fields))


@dataclass
class Round:
    raw_s: float
    store_s: float
    read_models_s: float


def floor_round(url: str, batches: Batches) -> tuple[float, float]:
    """Seconds to build, seal, map and append `batches` into a fresh store at `url`, then
    seconds for the read models' catch-up over them."""
    settings = Settings(store_url=url, actor="bench", worker_id="bench")
    store = open_store(settings)
    try:
        started = time.perf_counter()
        for batch in batches:
            store.append([rebuilt(event) for event in batch])
        store_s = time.perf_counter() - started
        started = time.perf_counter()
        catch_up_read_models(settings, store)
        return store_s, time.perf_counter() - started
    finally:
        store.close()


def report(backend: str, shape: str, steps: int, rounds: list[Round], batches: Batches) -> None:
    raw = statistics.median(r.raw_s for r in rounds)
    stored = statistics.median(r.store_s for r in rounds)
    projected = statistics.median(r.read_models_s for r in rounds)
    events = sum(len(batch) for batch in batches)
    floor = stored + projected
    print(
        f"{backend:<10} {shape:<10} {events} events in {len(batches)} commits: "
        f"raw {raw * 1000:6.1f} ms  events + store {stored * 1000:6.1f} ms  "
        f"read models {projected * 1000:6.1f} ms  floor/raw {raw / floor:.2f}x "
        f"(without read models {raw / stored:.2f}x); per step: raw {raw / steps * 1e6:.0f} us, "
        f"events + store {stored / steps * 1e6:.0f} us, "
        f"read models {projected / steps * 1e6:.0f} us",
        flush=True,
    )


def measure(
    backend: str,
    shape: str,
    steps: int,
    spec: dict[str, object],
    fresh_url: Callable[[], tuple[str, Callable[[], None]]],
    raw: Callable[[int, int, int], float],
    repeat: int,
) -> None:
    url, drop = fresh_url()
    try:
        batches, size = recorded_batches(url, spec)
    finally:
        drop()
    rows = sum(len(batch) for batch in batches)
    rounds = []
    for _ in range(repeat):
        url, drop = fresh_url()
        try:
            stored, projected = floor_round(url, batches)
        finally:
            drop()
        rounds.append(Round(raw(rows, len(batches), size), stored, projected))
    report(backend, shape, steps, rounds, batches)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=16, help="max_parallel_steps (wide)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    arguments = parser.parse_args()
    size = arguments.size
    shapes = {"chain": chain(size), "wide": wide(size, arguments.parallel)}
    print(
        f"planledger bench_floor: the events of a {size}-step plan, rebuilt, sealed, stored and "
        f"projected with no engine around them, next to raw writes; median of {arguments.repeat}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:

        def sqlite_url() -> tuple[str, Callable[[], None]]:
            return f"sqlite:///{folder}/{uuid.uuid4().hex}.db", lambda: None

        def sqlite_raw(rows: int, commits: int, size: int) -> float:
            return baseline_sqlite(Path(folder) / f"raw-{uuid.uuid4().hex}.db", rows, commits, size)

        for shape, spec in shapes.items():
            measure(
                "sqlite", f"{size}-{shape}", size, spec, sqlite_url, sqlite_raw, arguments.repeat
            )
    if arguments.skip_postgres:
        return
    dsn = arguments.postgres

    def postgres_url() -> tuple[str, Callable[[], None]]:
        schema = f"bench_{uuid.uuid4().hex[:10]}"

        def drop() -> None:
            with psycopg.connect(dsn, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

        return f"{dsn}?schema={schema}", drop

    def postgres_raw(rows: int, commits: int, size: int) -> float:
        return baseline_postgres(dsn, rows, commits, size)

    for shape, spec in shapes.items():
        measure(
            "postgresql",
            f"{size}-{shape}",
            size,
            spec,
            postgres_url,
            postgres_raw,
            arguments.repeat,
        )


if __name__ == "__main__":
    main()
