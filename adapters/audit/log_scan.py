"""One pass over the global log: chains checked quickly, signatures, the digest at checkpoints.

Every row is read once, in position order. A plan whose rows do not link up (a version out of
turn, a `prev_hash` that is not the previous row's hash, content that does not match its hash,
a row that does not decode) is marked broken; the caller classifies its break with the full
chain verifier. Decoded events are handed on (to the read-model check) as they come.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import Notification

from adapters.audit.checkpoints import Checkpoint
from adapters.audit.findings import AuditFinding
from adapters.audit.log_digest import LogDigest
from adapters.audit.stored_rows import plan_id_of, stored_hash
from adapters.read_models import EventLog
from adapters.read_models.event_log import LogEntry
from adapters.signing import TrustedKeys
from adapters.store import LibraryEventStore
from core import PlanEvent, event_hash

READ_BATCH = 1000


@dataclass
class PlanTrail:
    """What the scan saw of one plan: each version's stored hash, and whether it links up."""

    hashes: dict[int, str] = field(default_factory=dict)
    last_version: int = 0
    last_hash: str | None = None
    broken: bool = False
    seal: AuditFinding | None = None


class LogScan:
    """Reads the whole log once; `trails`, `signed` and `checkpoint_findings` say what it saw."""

    def __init__(
        self,
        trusted: TrustedKeys | None,
        checkpoints: Sequence[Checkpoint],
        on_event: Callable[[int, PlanEvent], None],
    ) -> None:
        self.trusted = trusted
        self.trails: dict[UUID, PlanTrail] = {}
        self.events = 0
        self.checkpoint_findings: list[AuditFinding] = []
        self._checkpoints = sorted(checkpoints, key=lambda checkpoint: checkpoint.position)
        self._next_checkpoint = 0
        self._digest = LogDigest()
        self._on_event = on_event

    def run(self, store: LibraryEventStore) -> None:
        """Scan every row, then compare the checkpoints taken at or after the last one."""
        log = EventLog(store)
        position = 0
        while batch := log.fetch(position, READ_BATCH):
            for row, entry in zip(batch, log.decode(batch), strict=True):
                self._row(row, entry)
            position = batch[-1].id
        self._compare_digests_before(None)
        for checkpoint in self._checkpoints:
            self._compare_heads(checkpoint)

    def events_of(self, plan_ids: Collection[UUID] | None = None) -> int:
        """How many events the scan read (of those plans only, when given)."""
        if plan_ids is None:
            return self.events
        trails = [self.trails[plan_id] for plan_id in plan_ids if plan_id in self.trails]
        return sum(len(trail.hashes) for trail in trails)

    def _row(self, row: Notification, entry: LogEntry) -> None:
        self._compare_digests_before(row.id)
        plan_id = plan_id_of(row.originator_id)
        self._digest.add(row.id, plan_id, row.originator_version, row.topic, row.state)
        self.events += 1
        trail = self.trails.setdefault(plan_id, PlanTrail())
        event = entry.event
        trail.hashes[row.originator_version] = (
            event.hash if event is not None else stored_hash(row.state) or ""
        )
        if event is None:
            trail.broken = True
            return
        content = event_hash(event)
        if (
            row.originator_version != trail.last_version + 1
            or event.prev_hash != trail.last_hash
            or content != event.hash
        ):
            trail.broken = True
        trail.last_version, trail.last_hash = row.originator_version, event.hash
        if self.trusted is not None and trail.seal is None:
            found = self.trusted.problem(event, content)
            if found is not None:
                trail.seal = AuditFinding(plan_id, event.version, found[0].value, found[1])
        self._on_event(row.id, event)

    def _compare_digests_before(self, position: int | None) -> None:
        """Compare each checkpoint taken below `position` (all that remain, for None)."""
        while self._next_checkpoint < len(self._checkpoints):
            checkpoint = self._checkpoints[self._next_checkpoint]
            if position is not None and checkpoint.position >= position:
                return
            self._next_checkpoint += 1
            if checkpoint.log_digest != self._digest.value and not self.checkpoint_findings:
                self.checkpoint_findings.append(
                    AuditFinding(
                        None,
                        None,
                        "checkpoint_digest",
                        f"the log up to position {checkpoint.position} is not the log the "
                        f"checkpoint of {checkpoint.taken_at.isoformat()} signed: rows were "
                        "changed, removed or inserted since",
                    )
                )

    def _compare_heads(self, checkpoint: Checkpoint) -> None:
        """Each plan's head in the checkpoint must still be in the log, with the same hash."""
        reported = {finding.plan_id for finding in self.checkpoint_findings}
        when = f"the checkpoint of {checkpoint.taken_at.isoformat()}"
        for plan_id, (version, hash_) in checkpoint.heads.items():
            if plan_id in reported:
                continue
            trail = self.trails.get(plan_id)
            finding = None
            if trail is None:
                finding = AuditFinding(
                    plan_id, 1, "missing", f"{when} signed version {version}; the log has none"
                )
            elif version not in trail.hashes:
                last = max(trail.hashes, default=0)
                finding = AuditFinding(
                    plan_id,
                    last + 1 if last < version else version,
                    "missing",
                    f"{when} signed version {version}; the log has no such event",
                )
            elif trail.hashes[version] != hash_:
                finding = AuditFinding(
                    plan_id,
                    version,
                    "changed",
                    f"{when} signed another event at this version: the history up to it was "
                    "rewritten",
                )
            if finding is not None:
                self.checkpoint_findings.append(finding)
                reported.add(plan_id)
