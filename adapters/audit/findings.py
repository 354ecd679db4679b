"""What an audit reports: findings (plan, version, problem, why), and what it could not judge."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from core import ChainFinding, JsonObject


@dataclass(frozen=True)
class AuditFinding:
    """One thing the log, its signatures, its checkpoints or a read model says was tampered with.

    `plan_id` and `version` are None for a finding about the whole log (a checkpoint's digest)
    or the store (its guard); `problem` is a short word, `detail` a sentence saying why.
    """

    plan_id: UUID | None
    version: int | None
    problem: str
    detail: str

    @classmethod
    def of_chain(cls, finding: ChainFinding) -> AuditFinding:
        """A hash-chain finding as an audit finding."""
        return cls(finding.plan_id, finding.version, finding.problem.value, finding.detail)

    def to_json(self) -> JsonObject:
        """`{"plan_id", "version", "problem"}` (the detail is for people)."""
        return {
            "plan_id": None if self.plan_id is None else str(self.plan_id),
            "version": self.version,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class AuditReport:
    """How many plans were checked, what was found, and what else there is to know.

    `sections` holds what was checked beyond the chains, each only when it says something:
    `lag` (events the read models have not applied yet: not evidence either way),
    `signatures` (how many events were checked against which keys), `checkpoints`.
    """

    plans_checked: int
    findings: tuple[AuditFinding, ...]
    sections: dict[str, JsonObject] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def to_json(self) -> JsonObject:
        """`{"plans_checked": N, "findings": [{"plan_id", "version", "problem"}], ...sections}`."""
        return {
            "plans_checked": self.plans_checked,
            "findings": [finding.to_json() for finding in self.findings],
            **self.sections,
        }

    def to_document(self) -> JsonObject:
        """Everything, for another process to render: `to_json` plus each finding's `detail`,
        `verified` and `notes` (what the HTTP API answers and the remote CLI reads)."""
        findings = [{**f.to_json(), "detail": f.detail} for f in self.findings]
        return {
            **self.to_json(),
            "findings": findings,
            "verified": self.verified,
            "notes": list(self.notes),
        }

    @classmethod
    def from_document(cls, document: JsonObject) -> AuditReport:
        """The report `to_document` described."""
        findings = tuple(
            AuditFinding(
                None if f["plan_id"] is None else UUID(str(f["plan_id"])),
                None if f["version"] is None else int(str(f["version"])),
                str(f["problem"]),
                str(f.get("detail", "")),
            )
            for f in _objects(document.get("findings"))
        )
        sections = {
            key: value
            for key, value in document.items()
            if key not in _DOCUMENT_FIELDS and isinstance(value, dict)
        }
        notes = document.get("notes")
        return cls(
            int(str(document["plans_checked"])),
            findings,
            sections,
            tuple(str(note) for note in notes) if isinstance(notes, list) else (),
        )


_DOCUMENT_FIELDS = frozenset({"plans_checked", "findings", "verified", "notes"})


def _objects(value: object) -> list[JsonObject]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
