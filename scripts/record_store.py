"""Record whole stores as a release wrote them, under tests/replay/stores/, to load forever.

A store is every scenario of `record_history` run into one SQLite file and one PostgreSQL
schema (dumped as plain SQL), with the read models caught up, as `planledger` leaves them.
`<release>.expected.json` holds each plan as it was folded. A recorded store is never rewritten:
this script refuses to overwrite one. Run it with the release's own code, before a change that
could break loading (moving an event class, a new table layout).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import orjson
import psycopg

from adapters.bootstrap import catch_up_read_models, open_store
from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.settings import Settings
from adapters.system_clock import RandomIds, SystemClock
from adapters.tools import builtin_registry
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from core.runtime.service import PlanService

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_history import SCENARIOS

FOLDER = Path(__file__).resolve().parent.parent / "tests" / "replay" / "stores"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def fill(store_url: str) -> dict[str, object]:
    """Run every scenario into the store; return each plan's folded view by scenario name."""
    settings = Settings(store_url=store_url, worker_id="recorder")
    store = open_store(settings)
    try:
        service = PlanService(
            store,
            builtin_registry(),
            SystemClock(),
            RandomIds(),
            expressions=JinjaExpressions(),
            json_schemas=JsonSchemaChecker(),
            worker="recorder",
        )
        plans = {name: scenario(service, store) for name, scenario in SCENARIOS.items()}
        catch_up_read_models(settings, store)
        return {
            name: {"plan_id": str(plan_id), "view": plan_view(fold(store.load(plan_id)))}
            for name, plan_id in plans.items()
        }
    finally:
        store.close()


def record(release: str) -> None:
    sqlite_path = FOLDER / f"{release}.sqlite"
    sql_path = FOLDER / f"{release}.postgres.sql"
    expected_path = FOLDER / f"{release}.expected.json"
    for path in (sqlite_path, sql_path, expected_path):
        if path.exists():
            sys.exit(f"{path.name} exists: recorded stores are never rewritten")
    FOLDER.mkdir(parents=True, exist_ok=True)
    expected = {"sqlite": fill(f"sqlite:///{sqlite_path}")}
    schema = f"record_{uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
    try:
        expected["postgresql"] = fill(f"{POSTGRES}?schema={schema}")
        dump = subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "--no-privileges",
                "--inserts",
                "--schema",
                schema,
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "test",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # psql meta-commands (`\restrict`) are not SQL: the dump is replayed by a driver
        lines = [line for line in dump.splitlines() if not line.startswith("\\")]
        sql_path.write_text("\n".join(lines).replace(schema, "recorded_schema") + "\n")
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as db:
            db.execute(f"DROP SCHEMA {schema} CASCADE")
    expected_path.write_bytes(
        orjson.dumps(expected, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )
    print(f"recorded {sqlite_path.name}, {sql_path.name} and {expected_path.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", help="the name of the release that writes (e.g. 0.1.0)")
    record(parser.parse_args().release)


if __name__ == "__main__":
    main()
