"""Checkpoints: incremental ones sign what a full read would, and a schedule keeps taking them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.audit.checkpoint_schedule import CheckpointSchedule
from adapters.audit.checkpoints import (
    Checkpoint,
    UnsignedCheckpointError,
    read_checkpoint_file,
    take_checkpoint,
)
from adapters.read_models import ReadModelDatabase, open_read_model_database
from adapters.signing import EventSigner, generate_key_pair, load_signer, load_trusted_keys
from adapters.store import LibraryEventStore, open_event_store, parse_store_url
from core.runtime.service import PlanService
from tests.integration.conftest import plan_spec, step, wait_until


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'checkpoints.db'}"


@pytest.fixture
def signer(tmp_path: Path) -> EventSigner:
    return load_signer(generate_key_pair(tmp_path / "keys", "writer").private_path)


@pytest.fixture
def database(store_url: str) -> Iterator[ReadModelDatabase]:
    opened = open_read_model_database(parse_store_url(store_url))
    yield opened
    opened.close()


def run_plans(service: PlanService, count: int) -> None:
    for index in range(count):
        service.run(plan_spec(step("a", parameters={"value": str(index)})), by="alice")


def test_a_checkpoint_continued_from_the_last_one_equals_one_taken_from_the_start(
    store: LibraryEventStore,
    service: PlanService,
    database: ReadModelDatabase,
    signer: EventSigner,
    tmp_path: Path,
    store_url: str,
) -> None:
    run_plans(service, 2)
    first = take_checkpoint(store, database, signer)
    run_plans(service, 2)

    continued = take_checkpoint(store, database, signer)
    fresh_database = open_read_model_database(parse_store_url(store_url))
    with fresh_database.transaction() as session:
        session.execute("DELETE FROM planledger_checkpoints")
    from_scratch = take_checkpoint(store, fresh_database, signer)
    fresh_database.close()

    assert continued.position > first.position
    assert (continued.log_digest, continued.heads) == (from_scratch.log_digest, from_scratch.heads)
    assert len(continued.heads) == 4
    assert continued.signature_holds(load_trusted_keys(tmp_path / "keys"))
    assert Checkpoint.from_line(continued.to_line()) == continued


def test_an_unsigned_checkpoint_is_refused(
    store: LibraryEventStore, database: ReadModelDatabase
) -> None:
    with pytest.raises(UnsignedCheckpointError, match="PLANLEDGER_SIGNING_KEY"):
        take_checkpoint(store, database, None)


def test_a_schedule_takes_checkpoints_until_stopped_and_appends_each_to_the_file(
    store_url: str,
    service: PlanService,
    database: ReadModelDatabase,
    signer: EventSigner,
    tmp_path: Path,
) -> None:
    run_plans(service, 1)
    output = tmp_path / "checkpoints.jsonl"
    reader = open_event_store(parse_store_url(store_url))
    schedule = CheckpointSchedule(reader, database, signer, 0.05, output)
    try:
        schedule.start()
        wait_until(lambda: schedule.taken >= 2, what="two scheduled checkpoints")
        run_plans(service, 1)
        schedule.stop()
    finally:
        reader.close()

    lines = read_checkpoint_file(output)
    assert len(lines) == schedule.taken >= 3
    assert all(isinstance(line, Checkpoint) for line in lines)
    last = lines[-1]
    assert isinstance(last, Checkpoint)
    assert len(last.heads) == 2
