"""The DBOS Transact side of `bench_engine`: the same no-op shapes as DBOS workflows.

Runs under the DBOS venv that `bench_engine.py` creates (never the project's). Chain: one
workflow calling N no-op `@DBOS.step`s in order. Wide: one workflow that starts N child
workflows of one no-op step each (DBOS's own fan-out: steps inside one workflow run in order)
and waits for them all. The system tables live in a schema of their own on the given server;
the time measured starts after `DBOS.launch()`, as planledger's starts after its start-up.
Prints one JSON object: {"chain_s": ..., "wide_s": ...}.
"""

from __future__ import annotations

import argparse
import json
import time

from dbos import DBOS


@DBOS.step()
def noop(index: int) -> int:
    return index


@DBOS.workflow()
def chain(size: int) -> int:
    total = 0
    for index in range(size):
        total += noop(index)
    return total


@DBOS.workflow()
def one_step(index: int) -> int:
    return noop(index)


@DBOS.workflow()
def wide(size: int) -> int:
    handles = [DBOS.start_workflow(one_step, index) for index in range(size)]
    return sum(handle.get_result() for handle in handles)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--size", type=int, default=1000)
    arguments = parser.parse_args()
    DBOS(
        config={
            "name": "planledger_bench_peer",
            "system_database_url": arguments.dsn,
            "dbos_system_schema": arguments.schema,
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    try:
        started = time.perf_counter()
        chain(arguments.size)
        chain_s = time.perf_counter() - started
        started = time.perf_counter()
        wide(arguments.size)
        wide_s = time.perf_counter() - started
    finally:
        DBOS.destroy()
    print(json.dumps({"chain_s": chain_s, "wide_s": wide_s}))


if __name__ == "__main__":
    main()
