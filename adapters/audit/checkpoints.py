"""Signed checkpoints of the whole log: position, digest and every plan's head, kept elsewhere.

Like a transparency log's signed tree head: a writer signs what the log held at a position,
the checkpoint goes to a table in the store (so the next one continues from it) and, as a JSON
line, to a file meant to live outside the database (write-once storage, a ticket, a git repo).
`audit verify --checkpoints FILE` recomputes the digest and the heads from the log and compares:
an insider who rewrites, truncates or deletes history cannot make a past checkpoint agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson

from adapters.audit.log_digest import LogDigest
from adapters.audit.stored_rows import plan_id_of, stored_hash
from adapters.read_models import EventLog, ReadModelDatabase
from adapters.read_models.database import Session
from adapters.signing import EventSigner, TrustedKeys
from adapters.store import LibraryEventStore
from adapters.store.postgres_setup import SETUP_LOCK_KEY
from core import InvalidInputError

CHECKPOINT_CONTEXT = b"planledger/checkpoint/v1\n"
"""Prefixed to what a checkpoint's signature covers: never valid for an event, or vice versa."""

CHECKPOINT_TABLE = "planledger_checkpoints"
READ_BATCH = 1000

Heads = dict[UUID, tuple[int, str]]


class UnsignedCheckpointError(InvalidInputError):
    """A checkpoint proves nothing unless a writer's key signs it."""

    def __init__(self) -> None:
        super().__init__(
            "a checkpoint must be signed: set PLANLEDGER_SIGNING_KEY to a writer's NAME.key "
            "(`planledger keys generate DIR --name NAME`)"
        )


@dataclass(frozen=True)
class Checkpoint:
    """The log up to `position`: its digest and each plan's last version and hash, signed."""

    position: int
    log_digest: str
    heads: Heads
    taken_at: datetime
    key_id: str | None = None
    signature: str | None = None

    def body(self) -> bytes:
        """The canonical bytes the signature covers (sorted keys, compact)."""
        heads = {str(plan_id): [version, hash_] for plan_id, (version, hash_) in self.heads.items()}
        document = {
            "position": self.position,
            "log_digest": self.log_digest,
            "heads": heads,
            "taken_at": self.taken_at.astimezone(UTC).isoformat(),
        }
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)

    def signed_by(self, signer: EventSigner) -> Checkpoint:
        """This checkpoint with `signer`'s key id and signature."""
        signature = signer.sign_bytes(CHECKPOINT_CONTEXT, self.body())
        return Checkpoint(
            self.position, self.log_digest, self.heads, self.taken_at, signer.key_id, signature
        )

    def signature_holds(self, trusted: TrustedKeys) -> bool:
        """True when a trusted key signed exactly this content."""
        if self.key_id is None or self.signature is None:
            return False
        return trusted.verify(self.key_id, CHECKPOINT_CONTEXT + self.body(), self.signature)

    def to_line(self) -> bytes:
        """One JSON line: the body's fields plus `key_id` and `signature`."""
        document = orjson.loads(self.body())
        document.update(key_id=self.key_id, signature=self.signature)
        return orjson.dumps(document, option=orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def from_line(cls, line: bytes | str) -> Checkpoint:
        """Parse one JSON line; `ValueError` names what is wrong with it."""
        try:
            document: Any = orjson.loads(line)
            heads = {
                UUID(plan_id): (int(head[0]), str(head[1]))
                for plan_id, head in document["heads"].items()
            }
            return cls(
                position=int(document["position"]),
                log_digest=str(document["log_digest"]),
                heads=heads,
                taken_at=datetime.fromisoformat(document["taken_at"]),
                key_id=document.get("key_id"),
                signature=document.get("signature"),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, IndexError, AttributeError) as error:
            raise ValueError(f"not a checkpoint: {type(error).__name__} {error}") from None


def read_checkpoint_file(path: Path) -> list[Checkpoint | str]:
    """Each line of a checkpoint file: a checkpoint, or why the line is not one."""
    lines = path.read_bytes().splitlines()
    parsed: list[Checkpoint | str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed.append(Checkpoint.from_line(line))
        except ValueError as error:
            parsed.append(f"line {number}: {error}")
    return parsed


def append_to_file(path: Path, checkpoint: Checkpoint) -> None:
    """Append the checkpoint as one JSON line (the file is created if missing)."""
    with path.open("ab") as out:
        out.write(checkpoint.to_line())


def take_checkpoint(
    store: LibraryEventStore, database: ReadModelDatabase, signer: EventSigner | None
) -> Checkpoint:
    """Sign the log as it stands and keep the checkpoint in the store.

    It continues from the newest stored checkpoint this key signed (reading only the rows
    after it), else from the start of the log.
    """
    if signer is None:
        raise UnsignedCheckpointError()
    own = TrustedKeys({signer.key_id: signer.private_key.public_key()}, {})
    latest = latest_checkpoint(database)
    position, digest, heads = 0, LogDigest(), {}
    if latest is not None and latest.signature_holds(own):
        position, digest, heads = latest.position, LogDigest(latest.log_digest), dict(latest.heads)
    log = EventLog(store)
    while batch := log.fetch(position, READ_BATCH):
        for row in batch:
            plan_id = plan_id_of(row.originator_id)
            digest.add(row.id, plan_id, row.originator_version, row.topic, row.state)
            known = heads.get(plan_id)
            if known is None or row.originator_version > known[0]:
                heads[plan_id] = (row.originator_version, stored_hash(row.state) or "")
        position = batch[-1].id
    checkpoint = Checkpoint(position, digest.value, heads, datetime.now(UTC)).signed_by(signer)
    _keep(database, checkpoint)
    return checkpoint


def latest_checkpoint(database: ReadModelDatabase) -> Checkpoint | None:
    """The newest checkpoint kept in the store, if any (unverified)."""
    found = stored_checkpoints(database, newest_only=True)
    return found[0] if found else None


def stored_checkpoints(
    database: ReadModelDatabase, *, newest_only: bool = False
) -> list[Checkpoint]:
    """The checkpoints kept in the store, oldest first (lines that do not parse are skipped)."""
    with database.session() as session:
        if CHECKPOINT_TABLE not in _tables(session.execute(session.dialect.tables_query)):
            return []
        order = "position DESC LIMIT 1" if newest_only else "position"
        rows = session.execute(f"SELECT document FROM {CHECKPOINT_TABLE} ORDER BY {order}")
    found: list[Checkpoint] = []
    for (document,) in rows:
        try:
            found.append(Checkpoint.from_line(str(document)))
        except ValueError:
            continue
    return found


def ensure_checkpoint_table(session: Session) -> None:
    """Create the table the store keeps its checkpoints in (one JSON document per position),
    if it is missing.

    On PostgreSQL under the store's set-up advisory lock, as every other table: two creators at
    once would both miss the table, and one would fail on the catalogue's unique index. SQLite's
    write lock already serialises them.
    """
    if CHECKPOINT_TABLE in _tables(session.execute(session.dialect.tables_query)):
        return
    if session.dialect.name == "postgresql":
        session.execute("SELECT pg_advisory_xact_lock(?)", [SETUP_LOCK_KEY])
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINT_TABLE} "
        "(position BIGINT PRIMARY KEY, document TEXT NOT NULL)"
    )


def _keep(database: ReadModelDatabase, checkpoint: Checkpoint) -> None:
    with database.transaction(write_lock=True) as session:
        ensure_checkpoint_table(session)
        session.execute(
            f"INSERT INTO {CHECKPOINT_TABLE} (position, document) VALUES (?, ?) "
            "ON CONFLICT (position) DO NOTHING",
            [checkpoint.position, checkpoint.to_line().decode().strip()],
        )


def _tables(rows: Iterable[tuple[Any, ...]]) -> set[str]:
    return {str(row[0]) for row in rows}
