"""Checkpoints on a schedule: a thread beside the projector signs the log every N seconds."""

from __future__ import annotations

import threading
from pathlib import Path

import structlog

from adapters.audit.checkpoints import append_to_file, take_checkpoint
from adapters.read_models import ReadModelDatabase
from adapters.signing import EventSigner
from adapters.store import LibraryEventStore
from core import PlanLedgerError

logger = structlog.get_logger("planledger.checkpoints")


class CheckpointSchedule:
    """Takes a checkpoint every `every_s` seconds until stopped, and once more when stopped.

    A failed checkpoint (the database away) is logged and tried again at the next tick.
    """

    def __init__(
        self,
        store: LibraryEventStore,
        database: ReadModelDatabase,
        signer: EventSigner,
        every_s: float,
        output: Path | None,
    ) -> None:
        self._store = store
        self._database = database
        self._signer = signer
        self._every_s = every_s
        self._output = output
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoints", daemon=True)
        self.taken = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the schedule after one last checkpoint."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self._take()
        self._take()

    def _take(self) -> None:
        try:
            checkpoint = take_checkpoint(self._store, self._database, self._signer)
        except PlanLedgerError as error:
            logger.warning("checkpoint_failed", error=str(error))
            return
        if self._output is not None:
            append_to_file(self._output, checkpoint)
        self.taken += 1
        logger.info("checkpoint_taken", position=checkpoint.position)
