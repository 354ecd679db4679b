"""Verifying a plan's hash chain and naming the first version where it breaks, and how (pure).

Rows arrive as the store holds them: the version the row is filed under, the event decoded from
it (None when it cannot be read) and the hash string stored in it. Because an event's hash
covers its own version, a row that was moved carries a hash that only fits at another version;
together with the `prev_hash` links this tells the tamper classes apart:

- changed: the content no longer matches its hash (or cannot be read at all);
- missing: a version gap, a row that carries the next version's event (a removal with the later
  rows renumbered), or a log that ends before the head a read model recorded;
- inserted: a row that its successor skips (the successor links to the row before it), a row
  that links back past its predecessor, or rows beyond the recorded head;
- reordered: a row whose `prev_hash` is the hash of a later row (the links are permuted);
- broken_link: any other link that does not hold (for example a changed and re-hashed event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from core.domain.events import PlanEvent
from core.domain.hash_chain import event_hash


class ChainProblem(StrEnum):
    """How a plan's chain breaks."""

    CHANGED = "changed"
    MISSING = "missing"
    INSERTED = "inserted"
    REORDERED = "reordered"
    BROKEN_LINK = "broken_link"


@dataclass(frozen=True)
class ChainRow:
    """One stored row of a plan.

    Attributes:
        version: the version the row is filed under in the store.
        event: the event decoded from the row (its version is the row's), None if unreadable.
        stored_hash: the hash string stored in the row, None if even that cannot be read.
        unreadable_because: why `event` is None.
    """

    version: int
    event: PlanEvent | None
    stored_hash: str | None
    unreadable_because: str = ""

    @classmethod
    def of(cls, event: PlanEvent) -> ChainRow:
        """The row an event is stored as, untouched."""
        return cls(event.version, event, event.hash)


@dataclass(frozen=True)
class ExpectedHead:
    """What a read model recorded as the plan's last version and its hash: a checkpoint.

    A head must come from a read model that has caught up with the log: events after it are
    taken as never projected, that is, written around the engine.
    """

    version: int
    hash: str


@dataclass(frozen=True)
class ChainFinding:
    """Where a plan's chain first breaks, how, and a sentence saying why we think so."""

    plan_id: UUID
    version: int
    problem: ChainProblem
    detail: str


def verify_chain(
    plan_id: UUID, rows: Sequence[ChainRow], head: ExpectedHead | None = None
) -> list[ChainFinding]:
    """The first break in a plan's chain (one finding), or nothing when the chain holds.

    Args:
        plan_id: the plan the rows belong to.
        rows: the plan's stored rows, in any order.
        head: the read model's head for the plan, if it has one.
    """
    chain = _Chain(plan_id, sorted(rows, key=lambda row: row.version))
    finding = chain.first_break()
    if finding is None and head is not None:
        finding = chain.check_head(head)
    return [] if finding is None else [finding]


class _Chain:
    """One plan's rows with an index from stored hash to position, for the classification."""

    def __init__(self, plan_id: UUID, rows: list[ChainRow]) -> None:
        self.plan_id = plan_id
        self.rows = rows
        self.position: dict[str, int] = {
            row.stored_hash: index for index, row in enumerate(rows) if row.stored_hash
        }

    def first_break(self) -> ChainFinding | None:
        for index, row in enumerate(self.rows):
            expected = index + 1
            if row.version > expected:
                return self._found(
                    expected,
                    ChainProblem.MISSING,
                    f"no event at version {expected}: the next stored one is {row.version}",
                )
            if row.version < expected:
                return self._found(
                    row.version, ChainProblem.INSERTED, "a second event under the same version"
                )
            if not self._holds(index):
                return self._classify(index)
        return None

    def check_head(self, head: ExpectedHead) -> ChainFinding | None:
        last = len(self.rows)
        if last < head.version:
            return self._found(
                last + 1,
                ChainProblem.MISSING,
                f"the log ends at version {last}, the read model's head is version "
                f"{head.version}: the last event(s) were removed",
            )
        if head.version >= 1 and self.rows[head.version - 1].stored_hash != head.hash:
            return self._found(
                head.version,
                ChainProblem.CHANGED,
                "the hash differs from the head the read model recorded: the history up to "
                "here was rewritten and re-hashed",
            )
        if last > head.version:
            return self._found(
                head.version + 1,
                ChainProblem.INSERTED,
                f"{last - head.version} event(s) after the read model's head (version "
                f"{head.version}) that it never saw: written around the engine (or the "
                "read model lags behind the log)",
            )
        return None

    def _holds(self, index: int) -> bool:
        event = self.rows[index].event
        return (
            event is not None
            and self._sealed_at(index, self.rows[index].version)
            and event.prev_hash == self._hash_before(index)
        )

    def _classify(self, index: int) -> ChainFinding:
        row = self.rows[index]
        if row.event is None:
            return self._found(
                row.version,
                ChainProblem.CHANGED,
                f"the stored row cannot be read: {row.unreadable_because or 'no event'}",
            )
        linked = self._linked_position(row.event.prev_hash)
        if linked is not None and linked > index:
            return self._found(
                row.version,
                ChainProblem.REORDERED,
                f"its prev_hash is the hash of version {self.rows[linked].version}, which is "
                "stored after it: events were swapped",
            )
        inserted = self._inserted_version(index, linked)
        if inserted is not None:
            return self._found(
                inserted,
                ChainProblem.INSERTED,
                "the chain skips this event: the event after it links to the one before it",
            )
        return self._misplaced_or_changed(index)

    def _misplaced_or_changed(self, index: int) -> ChainFinding:
        row = self.rows[index]
        claimed = self._claimed_version(index)
        if claimed is None:
            return self._found(
                row.version, ChainProblem.CHANGED, "its content does not match its stored hash"
            )
        if claimed > row.version:
            return self._found(
                row.version,
                ChainProblem.MISSING,
                f"it holds the event of version {claimed}: {claimed - row.version} event(s) "
                "before it were removed and the later ones renumbered",
            )
        if claimed < row.version:
            return self._found(
                claimed,
                ChainProblem.INSERTED,
                f"version {row.version} holds the event of version {claimed}: "
                "event(s) were inserted before it",
            )
        return self._found(
            row.version,
            ChainProblem.BROKEN_LINK,
            f"its prev_hash is not the hash of version {row.version - 1}: that event was "
            "changed and re-hashed, or this one was forged",
        )

    def _inserted_version(self, index: int, linked: int | None) -> int | None:
        """The version of an inserted row next to `index`, if the links say one was inserted.

        Either the next row links to the row before `index` (so `index` was slipped in), or
        `index` links further back than its predecessor (so the rows between were slipped in).
        """
        before = self._hash_before(index)
        if index + 1 < len(self.rows):
            successor = self.rows[index + 1].event
            if successor is not None and successor.prev_hash == before:
                return self.rows[index].version
        if linked is not None and linked < index - 1:
            return self.rows[linked + 1].version
        return None

    def _claimed_version(self, index: int) -> int | None:
        """The version the row's content was hashed for: the hinted ones first, then any.

        Only a broken row is searched, once per plan, so the linear search is affordable.
        """
        row = self.rows[index]
        if row.event is None:
            return None
        candidates = [row.version]
        linked = self._linked_position(row.event.prev_hash)
        if linked is not None:
            candidates.append(self.rows[linked].version + 1 if linked >= 0 else 1)
        candidates += range(1, self.rows[-1].version + len(self.rows) + 1)
        for version in dict.fromkeys(candidates):
            if version >= 1 and self._sealed_at(index, version):
                return version
        return None

    def _linked_position(self, prev_hash: str | None) -> int | None:
        """Where the row a `prev_hash` names is stored: -1 for None (the start), else None."""
        if prev_hash is None:
            return -1
        return self.position.get(prev_hash)

    def _sealed_at(self, index: int, version: int) -> bool:
        row = self.rows[index]
        if row.event is None or row.stored_hash is None:
            return False
        event = row.event
        if event.version != version:
            event = event.model_copy(update={"originator_version": version})
        return event_hash(event) == row.stored_hash

    def _hash_before(self, index: int) -> str | None:
        return self.rows[index - 1].stored_hash if index > 0 else None

    def _found(self, version: int, problem: ChainProblem, detail: str) -> ChainFinding:
        return ChainFinding(self.plan_id, version, problem, detail)
