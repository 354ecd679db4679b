"""`LocalLedger`: the `Ledger` on a store opened in this process (the local CLI, the API server)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import TextIO
from uuid import UUID

from adapters.audit.store_audit import Evidence, audit_store
from adapters.audit.verified_rows import AuditRowVerifier
from adapters.cli.render import status_view
from adapters.event_records import event_to_record
from adapters.ledger.ledger import (
    Caller,
    ExportCount,
    ExportForm,
    PlanQuery,
    PlanStatusAnswer,
    StepReportAnswer,
)
from adapters.read_models import (
    PlanFilter,
    ReadModelDatabase,
    audit_trail,
    export_audit,
    list_plans,
    step_timeline,
    tool_stats,
)
from adapters.read_models.queries import iso, plan_details
from adapters.signing import TrustedKeys
from adapters.store import LibraryEventStore, Wakeup
from adapters.time_travel import parse_point, state_at
from adapters.workers import wait_for_end
from core import (
    InvalidInputError,
    JsonObject,
    JsonValue,
    NotInHistoryError,
    PlanService,
    PlanSpec,
    PlanState,
    PlanStatus,
    StepStatus,
    ToolRegistry,
)

EvidenceFor = Callable[[Path | None, Path | None], Evidence]
"""What `audit verify` checks against, from `--keys` and `--checkpoints` (or the settings)."""

PlanSubmitter = Callable[[object, Caller, object, str | None], UUID]
"""Creates a plan for the workers instead of only recording it (a store with a work table)."""


class LocalLedger:
    """Commands through a `PlanService`, queries on the read models, on one opened store."""

    def __init__(
        self,
        service: PlanService,
        store: LibraryEventStore,
        read_models: Callable[[], ReadModelDatabase],
        wakeup: Callable[[], Wakeup],
        projections_status: Callable[[], list[JsonObject]],
        evidence: EvidenceFor,
        trusted: TrustedKeys | None,
    ) -> None:
        self.service = service
        self._evidence = evidence
        self._trusted = trusted
        self._store = store
        self._read_models = read_models
        self._wakeup = wakeup
        self._projections_status = projections_status

    def validate(self, spec: object) -> int:
        return len(self.service.validate(spec).steps)

    def schema(self) -> JsonObject:
        return spec_schema(self.service.tools)

    def create(
        self,
        spec: object,
        *,
        by: Caller,
        inputs: object = None,
        traceparent: str | None = None,
        key: str | None = None,
    ) -> UUID:
        if key is not None:
            raise InvalidInputError("an idempotency key needs `submit` or the HTTP API")
        return self.service.create_plan(spec, by=by.name, inputs=inputs, traceparent=traceparent)

    def approve(self, plan_id: UUID, *, by: Caller, comment: str) -> JsonObject:
        plan = self.service.approve(plan_id, by=by.name, comment=comment, roles=by.roles)
        return status_view(plan)

    def reject(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        plan = self.service.reject(plan_id, by=by.name, reason=reason, roles=by.roles)
        return status_view(plan)

    def cancel(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return status_view(self.service.cancel(plan_id, by=by.name, reason=reason))

    def pause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return status_view(self.service.pause(plan_id, by=by.name, reason=reason))

    def unpause(self, plan_id: UUID, *, by: Caller, reason: str) -> JsonObject:
        return status_view(self.service.unpause(plan_id, by=by.name, reason=reason))

    def retry(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        plan = self.service.retry(plan_id, step_id, by=by.name, reason=reason, roles=by.roles)
        return status_view(plan)

    def skip(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        plan = self.service.skip(plan_id, step_id, by=by.name, reason=reason, roles=by.roles)
        return status_view(plan)

    def complete_step(
        self,
        plan_id: UUID,
        step_id: str,
        *,
        by: Caller,
        result: JsonValue = None,
        attempt: int | None = None,
    ) -> StepReportAnswer:
        plan = self.service.complete_step(
            plan_id, step_id, by=by.name, result=result, attempt=attempt
        )
        return step_report(plan, step_id)

    def fail_step(
        self, plan_id: UUID, step_id: str, *, by: Caller, error: str, attempt: int | None = None
    ) -> StepReportAnswer:
        plan = self.service.fail_step(plan_id, step_id, by=by.name, error=error, attempt=attempt)
        return step_report(plan, step_id)

    def add_step(self, plan_id: UUID, step: object, *, by: Caller, reason: str) -> JsonObject:
        return status_view(self.service.add_step(plan_id, step, by=by.name, reason=reason))

    def revise_step(
        self, plan_id: UUID, step_id: str, changes: object, *, by: Caller, reason: str
    ) -> JsonObject:
        plan = self.service.revise_step(plan_id, step_id, changes, by=by.name, reason=reason)
        return status_view(plan)

    def remove_step(self, plan_id: UUID, step_id: str, *, by: Caller, reason: str) -> JsonObject:
        return status_view(self.service.remove_step(plan_id, step_id, by=by.name, reason=reason))

    def fork(self, plan_id: UUID, *, from_step: str, by: Caller, spec: object = None) -> JsonObject:
        fork_id = self.service.fork(plan_id, from_step=from_step, by=by.name, spec=spec)
        return status_view(self.service.get_plan(fork_id))

    def status(self, plan_id: UUID) -> PlanStatusAnswer:
        plan = self.service.get_plan(plan_id)
        deadline = None
        if plan.status is PlanStatus.PENDING_APPROVAL:
            deadline = iso(plan.approval_deadline)
        return PlanStatusAnswer(status_view(plan), deadline)

    def history(self, plan_id: UUID) -> list[JsonObject]:
        return [event_to_record(event) for event in self.service.history(plan_id)]

    def show_at(self, plan_id: UUID, at: str) -> JsonObject:
        try:
            point = parse_point(at)
        except ValueError:
            raise NotInHistoryError(plan_id, at, "neither a version nor an ISO-8601 time") from None
        plan = state_at(self._store, plan_id, point)
        stamp = plan.last_event_at.isoformat() if plan.last_event_at else None
        return {**status_view(plan), "as_of": stamp}

    def timeline(self, plan_id: UUID, step_id: str | None) -> list[JsonObject]:
        return step_timeline(self._read_models(), plan_id, step_id)

    def list_plans(self, query: PlanQuery) -> JsonObject:
        where = PlanFilter(
            status=query.status, since=query.since, until=query.until, text=query.text
        )
        page = list_plans(self._read_models(), where, limit=query.limit, cursor=query.cursor)
        return {"plans": page.plans, "next_cursor": page.next_cursor}

    def plan_details(self, plan_id: UUID) -> JsonObject:
        return plan_details(self._read_models(), plan_id)

    def audit_trail(self, plan_id: UUID, *, verified: bool = False) -> list[JsonObject]:
        actions = audit_trail(self._read_models(), plan_id)
        if not verified:
            return actions
        checker = AuditRowVerifier(self._store, self._trusted)
        return [checker.check(action) for action in actions]

    def export_audit(
        self, out: TextIO, *, since: datetime | None, form: ExportForm, verified: bool = False
    ) -> ExportCount:
        checker = AuditRowVerifier(self._store, self._trusted) if verified else None
        hook = checker.check if checker is not None else None
        written = export_audit(self._read_models(), out, since=since, form=form, check=hook)
        return ExportCount(written, checker.failed if checker is not None else 0)

    def verify(
        self,
        plan_ids: Collection[UUID] | None,
        *,
        keys: Path | None = None,
        checkpoints: Path | None = None,
    ) -> JsonObject:
        evidence = self._evidence(keys, checkpoints)
        wanted = None if plan_ids is None else list(plan_ids)
        return audit_store(self._store, self._read_models(), evidence, wanted).to_document()

    def tool_stats(self) -> list[JsonObject]:
        return tool_stats(self._read_models())

    def projection_status(self) -> list[JsonObject]:
        return self._projections_status()

    def wait(self, plan_id: UUID, timeout_s: float | None) -> tuple[JsonObject, bool]:
        result = wait_for_end(self._store, plan_id, self._wakeup(), timeout_s)
        return status_view(result.plan), result.timed_out


def step_report(plan: PlanState, step_id: str) -> StepReportAnswer:
    """The plan after an outcome was reported on `step_id`, and that step's status now."""
    step = plan.steps[step_id]
    retry_at = None
    if step.status is StepStatus.PENDING and step.retry_at is not None:
        retry_at = step.retry_at.isoformat()
    return StepReportAnswer(status_view(plan), step.status.value, retry_at)


def spec_schema(tools: ToolRegistry) -> JsonObject:
    """The JSON Schema of plan specs, with each of `tools`' parameter schemas."""
    document: JsonObject = PlanSpec.model_json_schema()
    root = document.pop("$ref", None)
    if isinstance(root, str):  # a spec holds specs (sub-plans): keep the root's fields on top
        document = {**document["$defs"][root.rsplit("/", 1)[-1]], **document}
    document["x-planledger-tools"] = {
        name: tools[name].parameters.model_json_schema() for name in sorted(tools)
    }
    return document
