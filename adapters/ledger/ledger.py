"""The `Ledger`: every command and query of planledger as one service-shaped interface.

The CLI calls a `Ledger` and renders what it returns; so does the HTTP API. `LocalLedger` works
on the store directly, `RemoteLedger` (adapters.remote) through the HTTP API, so a CLI command
is written once and behaves the same either way. Answers are plain JSON-ready data: a plan as
`status --json` prints it (`status_view`), event records as `history --json` prints them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, TextIO
from uuid import UUID

from core import JsonObject, JsonValue

ExportForm = Literal["jsonl", "csv"]


@dataclass(frozen=True)
class ExportCount:
    """How many actions an export wrote, and how many of them their events did not prove."""

    written: int
    unproven: int = 0


@dataclass(frozen=True)
class Caller:
    """Who acts: a name, and the roles an authenticator granted it (none for a local user)."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PlanStatusAnswer:
    """A plan as `status` shows it, and its approval deadline (a note on stderr) if pending."""

    view: JsonObject
    approval_deadline: str | None


@dataclass(frozen=True)
class StepReportAnswer:
    """A plan after an external step's outcome was recorded, and what became of that step.

    `step_status` is the step's status now (`pending` with `retry_at` when a failure is retried).
    """

    view: JsonObject
    step_status: str
    retry_at: str | None = None


@dataclass(frozen=True)
class PlanQuery:
    """`plans list` filters and paging."""

    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int = 50
    cursor: str | None = None


class Ledger(Protocol):
    """What the CLI and the HTTP API ask of planledger; each method is one command or query."""

    def validate(self, spec: object) -> int:
        """Check a spec; the number of its steps, or `InvalidPlanSpecError`."""
        ...

    def schema(self) -> JsonObject:
        """The JSON Schema of plan specs with each enabled tool's parameter schema."""
        ...

    def create(
        self,
        spec: object,
        *,
        by: Caller,
        inputs: object = None,
        traceparent: str | None = None,
        key: str | None = None,
    ) -> UUID:
        """Record a new plan (once per idempotency `key`, where one is given); its id."""
        ...

    def approve(self, plan_id: UUID, *, by: Caller, comment: str) -> JsonObject: ...

    def reject(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject: ...

    def cancel(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject: ...

    def pause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject: ...

    def unpause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject: ...

    def retry(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject: ...

    def skip(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject: ...

    def complete_step(
        self,
        plan_id: UUID,
        step_id: str,
        *,
        by: Caller,
        result: JsonValue = None,
        attempt: int | None = None,
    ) -> StepReportAnswer:
        """Record that `by` carried out an external step's awaited attempt, with `result`."""
        ...

    def fail_step(
        self, plan_id: UUID, step_id: str, *, by: Caller, error: str, attempt: int | None = None
    ) -> StepReportAnswer:
        """Record that `by` could not carry out an external step (retried as its policy says)."""
        ...

    def add_step(self, plan_id: UUID, step: object, *, by: Caller, reason: str) -> JsonObject: ...

    def revise_step(
        self, plan_id: UUID, step_id: str, changes: object, *, by: Caller, reason: str
    ) -> JsonObject: ...

    def remove_step(
        self, plan_id: UUID, step_id: str, *, by: Caller, reason: str
    ) -> JsonObject: ...

    def fork(self, plan_id: UUID, *, from_step: str, by: Caller, spec: object = None) -> JsonObject:
        """The new plan, as `status` shows it."""
        ...

    def status(self, plan_id: UUID) -> PlanStatusAnswer:
        """The plan folded from its events (never a read model)."""
        ...

    def history(self, plan_id: UUID) -> list[JsonObject]:
        """Every event of the plan as a record, oldest first."""
        ...

    def show_at(self, plan_id: UUID, at: str) -> JsonObject:
        """The plan as it was at a version or an ISO-8601 time (`status` shape + `as_of`)."""
        ...

    def timeline(self, plan_id: UUID, step_id: str | None) -> list[JsonObject]: ...

    def list_plans(self, query: PlanQuery) -> JsonObject:
        """`{"plans": [...], "next_cursor": ...}`, newest first."""
        ...

    def plan_details(self, plan_id: UUID) -> JsonObject:
        """The plan from the read models, in the `status` shape."""
        ...

    def audit_trail(self, plan_id: UUID, *, verified: bool = False) -> list[JsonObject]:
        """The plan's actions; with `verified` each says whether its event proves it."""
        ...

    def export_audit(
        self, out: TextIO, *, since: datetime | None, form: ExportForm, verified: bool = False
    ) -> ExportCount:
        """Write every audited action to `out` (with `verified`, each checked against its event)."""
        ...

    def verify(
        self,
        plan_ids: Collection[UUID] | None,
        *,
        keys: Path | None = None,
        checkpoints: Path | None = None,
    ) -> JsonObject:
        """`AuditReport.to_document()` of `audit verify`: `keys` and `checkpoints` are files
        where the store is (the server uses the keys it is configured with)."""
        ...

    def tool_stats(self) -> list[JsonObject]: ...

    def projection_status(self) -> list[JsonObject]: ...

    def wait(self, plan_id: UUID, timeout_s: float | None) -> tuple[JsonObject, bool]:
        """Follow the plan until it ends: the plan, and True if `timeout_s` passed first."""
        ...
