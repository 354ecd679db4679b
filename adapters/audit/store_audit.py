"""`audit verify`: the whole store checked at once, every judgement resting on the log itself.

The chains are verified from the stored rows; with trusted keys every event's signature too;
with checkpoints (kept outside the database) the log's digest and every plan's head at each of
them; every blob an event names against its digest; the read models are compared with a fold of
the log up to where each projection stands.
None of it takes a read model's word for the log, so `projections rebuild` erases nothing: the
read-model check only judges the read models, and projector lag is reported as lag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from adapters.audit.blob_check import BlobCheck
from adapters.audit.checkpoints import Checkpoint
from adapters.audit.findings import AuditFinding, AuditReport
from adapters.audit.log_scan import LogScan
from adapters.audit.read_model_check import ReadModelCheck
from adapters.audit.stored_rows import chain_rows
from adapters.read_models import ReadModelDatabase
from adapters.signing import TrustedKeys
from adapters.store import LibraryEventStore
from core import BlobStore, JsonObject, PlanEvent, PlanNotFoundError, verify_chain

UNKEYED_NOTE = (
    "no trusted keys (--keys): only naive tampering is detectable; someone who can write to "
    "the database can rewrite a plan's history and its hashes undetected"
)
NO_CHECKPOINTS_NOTE = (
    "no checkpoints (--checkpoints): a deleted plan or a removed tail is found only while the "
    "read models still remember it"
)


@dataclass(frozen=True)
class Evidence:
    """What the verifier is given besides the store: keys, checkpoints, the guard's state, and
    the store's blob table (None: results stored by reference are not checked)."""

    trusted: TrustedKeys | None = None
    checkpoints: Sequence[Checkpoint | str] | None = None
    guard_problems: Sequence[str] = ()
    blobs: BlobStore | None = None


def audit_store(
    store: LibraryEventStore,
    database: ReadModelDatabase,
    evidence: Evidence,
    plan_ids: Sequence[UUID] | None = None,
) -> AuditReport:
    """Verify the store (or only the named plans' findings), with whatever evidence is given.

    Raises:
        PlanNotFoundError: a named plan that neither the log, a read model nor a checkpoint knows.
    """
    readable = [c for c in evidence.checkpoints or () if isinstance(c, Checkpoint)]
    trusted_checkpoints, findings = _checkpoint_signatures(readable, evidence)
    read_models = ReadModelCheck(database)
    blobs = BlobCheck(evidence.blobs) if evidence.blobs is not None else None

    def on_event(position: int, event: PlanEvent) -> None:
        read_models.apply(position, event)
        if blobs is not None:
            blobs.note(event)

    scan = LogScan(evidence.trusted, trusted_checkpoints, on_event)
    scan.run(store)
    broken: set[UUID] = set()
    for plan_id, trail in scan.trails.items():
        if trail.broken:
            chain = verify_chain(plan_id, chain_rows(store, plan_id))
            findings += [AuditFinding.of_chain(finding) for finding in chain]
            broken |= {finding.plan_id for finding in chain}
        if trail.seal is not None:
            findings.append(trail.seal)
    findings += scan.checkpoint_findings
    findings += blobs.findings() if blobs is not None else []
    findings += read_models.findings(broken)
    findings += [AuditFinding(None, None, "guard", problem) for problem in evidence.guard_problems]
    known = {*scan.trails, *read_models.known_plans()}
    for checkpoint in readable:
        known |= set(checkpoint.heads)
    if plan_ids is not None:
        for plan_id in plan_ids:
            if plan_id not in known:
                raise PlanNotFoundError(plan_id)
        findings = [f for f in findings if f.plan_id in set(plan_ids)]
    return AuditReport(
        len(known) if plan_ids is None else len(plan_ids),
        tuple(sorted(findings, key=_order)),
        _sections(scan, read_models, evidence, len(readable), blobs, plan_ids),
        _notes(evidence),
    )


def _checkpoint_signatures(
    readable: list[Checkpoint], evidence: Evidence
) -> tuple[list[Checkpoint], list[AuditFinding]]:
    """The checkpoints to compare (with keys: only those a trusted key signed), and findings."""
    findings = [
        AuditFinding(None, None, "checkpoint_unreadable", line)
        for line in evidence.checkpoints or ()
        if isinstance(line, str)
    ]
    if evidence.trusted is None:
        return readable, findings
    kept: list[Checkpoint] = []
    for checkpoint in readable:
        if checkpoint.signature_holds(evidence.trusted):
            kept.append(checkpoint)
        else:
            findings.append(
                AuditFinding(
                    None,
                    None,
                    "checkpoint_signature",
                    f"the checkpoint at position {checkpoint.position} is not signed by a "
                    "trusted key: ignored",
                )
            )
    return kept, findings


def _sections(
    scan: LogScan,
    read_models: ReadModelCheck,
    evidence: Evidence,
    checkpoints: int,
    blobs: BlobCheck | None,
    plan_ids: Sequence[UUID] | None,
) -> dict[str, JsonObject]:
    sections: dict[str, JsonObject] = {}
    lag = read_models.lag()
    if lag is not None:
        sections["lag"] = lag
    if evidence.trusted is not None:
        sections["signatures"] = {
            "events": scan.events_of(plan_ids),
            "keys": len(evidence.trusted.keys),
        }
    if evidence.checkpoints is not None:
        sections["checkpoints"] = {"checked": checkpoints}
    checked = blobs.checked(plan_ids) if blobs is not None else 0
    if checked:
        sections["blobs"] = {"checked": checked}
    return sections


def _notes(evidence: Evidence) -> tuple[str, ...]:
    notes = []
    if evidence.trusted is None:
        notes.append(UNKEYED_NOTE)
    if evidence.checkpoints is None:
        notes.append(NO_CHECKPOINTS_NOTE)
    return tuple(notes)


def _order(finding: AuditFinding) -> tuple[bool, str, int]:
    return (finding.plan_id is None, str(finding.plan_id), finding.version or 0)
