"""Raw write baselines for the benchmarks: rows of a given size in a given number of commits.

The same rows and commits as planledger made, written by bare sqlite3 or psycopg, so a ratio
says what everything above the database costs.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

import psycopg

Batch = list[tuple[str, int, str, bytes]]


def batches(rows: int, commits: int, row_bytes: int) -> list[Batch]:
    """`rows` rows of one plan spread evenly over `commits` commits."""
    plan_id = str(uuid.uuid4())
    payload = b"x" * row_bytes
    sizes = [rows // commits + (1 if i < rows % commits else 0) for i in range(commits)]
    version = 0
    result: list[Batch] = []
    for size in sizes:
        batch: Batch = []
        for _ in range(size):
            version += 1
            batch.append((plan_id, version, "core.domain.events:StepCompleted", payload))
        result.append(batch)
    return result


def baseline_sqlite(path: Path, rows: int, commits: int, row_bytes: int) -> float:
    """Seconds for sqlite3 (WAL, as the library sets it) to write the rows in the commits."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE IF NOT EXISTS raw_events (id TEXT, version INTEGER, topic TEXT, state BLOB, "
        "PRIMARY KEY (id, version))"
    )
    work = batches(rows, commits, row_bytes)
    started = time.perf_counter()
    for batch in work:
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO raw_events VALUES (?, ?, ?, ?)", batch)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def baseline_postgres(dsn: str, rows: int, commits: int, row_bytes: int) -> float:
    """Seconds for psycopg to write the rows in the commits, in a schema of its own."""
    schema = f"bench_raw_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
        connection.execute(
            f"CREATE TABLE {schema}.raw_events (id uuid, version int, topic text, "
            "state bytea, PRIMARY KEY (id, version))"
        )
        connection.commit()
        insert = f"INSERT INTO {schema}.raw_events VALUES (%s, %s, %s, %s)"
        work = batches(rows, commits, row_bytes)
        try:
            started = time.perf_counter()
            for batch in work:
                with connection.cursor() as cursor:
                    cursor.executemany(insert, batch)
                connection.commit()
            return time.perf_counter() - started
        finally:
            connection.rollback()
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
            connection.commit()
