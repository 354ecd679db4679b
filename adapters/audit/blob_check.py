"""Results stored by reference, checked: every blob an event names is in the blob table, whole.

The hash chain covers a stored result's digest, size and preview, not its bytes: those live in
the blob table beside the events. A deleted or rewritten blob row leaves every chain intact, so
`audit verify` reads each blob the log names (once per digest, however many events name it) and
compares its SHA-256 and size with the ref. In each plan that names a blob, the first event to
name it carries the finding: one blob is shared by every plan whose events name it (a child's
output and its parent's step result, say), and verifying one plan must find it there too.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from adapters.audit.findings import AuditFinding
from core import BlobRef, BlobStore, PlanEvent


def blob_refs(event: PlanEvent) -> list[BlobRef]:
    """The refs an event records: a step's `result_ref`, a plan's (or a plan step's, from its
    child) `output_refs`, a gathered `for_each` step's `item_refs` (and all three on a fork's
    reused result)."""
    refs: list[BlobRef] = []
    result_ref = getattr(event, "result_ref", None)
    if isinstance(result_ref, BlobRef):
        refs.append(result_ref)
    for name in ("output_refs", "item_refs"):
        named = getattr(event, name, None)
        if isinstance(named, dict):
            refs += [ref for ref in named.values() if isinstance(ref, BlobRef)]
    return refs


class BlobCheck:
    """Collects the refs of the events it is shown; `findings` reads and compares each blob."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._first: dict[str, dict[UUID, tuple[int, BlobRef]]] = {}

    def note(self, event: PlanEvent) -> None:
        """Remember the refs `event` names (a digest its plan named before is remembered)."""
        for ref in blob_refs(event):
            naming = self._first.setdefault(ref.digest, {})
            naming.setdefault(event.plan_id, (event.version, ref))

    def checked(self, plan_ids: Collection[UUID] | None = None) -> int:
        """How many distinct blobs the log names (of those plans only, when given)."""
        if plan_ids is None:
            return len(self._first)
        return sum(1 for naming in self._first.values() if not naming.keys().isdisjoint(plan_ids))

    def findings(self) -> list[AuditFinding]:
        """`blob_missing` or `blob_changed`, in each plan that names it, for each named blob that
        is gone or not its bytes."""
        found: list[AuditFinding] = []
        for digest, naming in self._first.items():
            try:
                content = self._blobs.get(digest)
            except LookupError:
                detail = f"the result stored by reference as {digest} is not in the blob table"
                found += [
                    AuditFinding(plan_id, version, "blob_missing", detail)
                    for plan_id, (version, _) in naming.items()
                ]
                continue
            actual = BlobRef.digest_of(content)
            for plan_id, (version, ref) in naming.items():
                if actual != digest or len(content) != ref.size:
                    detail = (
                        f"the blob stored as {digest} holds other bytes ({actual}, "
                        f"{len(content)} bytes; the event recorded {ref.size})"
                    )
                    found.append(AuditFinding(plan_id, version, "blob_changed", detail))
        return found
