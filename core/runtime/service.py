"""The application service: each command is load, decide, append; each query only reads.

It is what callers use; the engine it owns (and the engine's sub-plan runner) reach the ports
too. Commands that lose an optimistic-concurrency race reload the plan and decide again
(`conflict_retry`); a command that does not fit the plan raises and writes nothing of its own.
Every command on a plan first records what has fallen due on it without an engine (an approval
past its deadline expires), so queries (`get_plan`, `history`) never write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any
from uuid import UUID

from core.domain.crash_quarantine import quarantine_after_crashes
from core.domain.decisions import (
    apply_decisions,
    approve,
    cancel,
    check_may_approve,
    reject,
    resume,
)
from core.domain.errors import (
    InvalidPlanSpecError,
    PlanNotFoundError,
    SpecProblem,
)
from core.domain.events import PlanEvent
from core.domain.json_value import JsonObject
from core.domain.left_running import refuse_left_running as refuse_others_attempts
from core.domain.plan import PlanState, evolve, fold
from core.domain.ports import EventStore, Expressions, IdFactory, JsonSchemas
from core.domain.revisions import add_step, remove_step, revise_step
from core.domain.scheduler import ExpireApproval, decide
from core.domain.secret_inputs import SecretVault
from core.domain.spec import PlanSpec
from core.domain.status import PlanStatus
from core.domain.sub_plans import only_children_run
from core.domain.validation import validate_spec
from core.runtime.call_slots import CallSlots
from core.runtime.callbacks import Callbacks
from core.runtime.conflict_retry import retry_on_conflict
from core.runtime.engine import Engine
from core.runtime.engine_run import ChildLauncher
from core.runtime.large_results import LargeResults
from core.runtime.operator_controls import OperatorControls
from core.runtime.outside_reports import OutsideReports
from core.runtime.plan_creation import PlanCreation
from core.runtime.plan_inputs import PlanInputs
from core.runtime.runtime_clock import RuntimeClock
from core.runtime.tools import ToolRegistry

Command = Callable[[PlanState, UUID], list[PlanEvent]]
PlanIdCallback = Callable[[UUID], None]
PlanCallback = Callable[[PlanState], None]


class PlanService(OutsideReports, OperatorControls):
    """Create, approve, execute, resume and inspect plans (and take outside reports)."""

    def __init__(
        self,
        store: EventStore,
        tools: ToolRegistry,
        clock: RuntimeClock,
        ids: IdFactory,
        *,
        expressions: Expressions,
        json_schemas: JsonSchemas,
        worker: str,
        callbacks: Callbacks | None = None,
        poll_interval_s: float = 0.5,
        secrets: SecretVault | None = None,
        results: LargeResults | None = None,
    ) -> None:
        self._store = store
        self._tools = tools
        self._clock = clock
        self._ids = ids
        self._expressions = expressions
        self._json_schemas = json_schemas
        self._inputs = PlanInputs(json_schemas, secrets)
        self._creation = PlanCreation(store, clock, ids, self.validate, self._inputs)
        self._engine = Engine(
            store,
            tools,
            clock,
            expressions=expressions,
            json_schemas=json_schemas,
            worker=worker,
            callbacks=callbacks or Callbacks(),
            poll_interval_s=poll_interval_s,
            inputs=self._inputs,
            results=results or LargeResults(),
        )

    @property
    def tools(self) -> ToolRegistry:
        """The tools this service may call."""
        return self._tools

    def validate(self, data: object) -> PlanSpec:
        """Validate raw spec data against the enabled tools; raise with every problem found."""
        return validate_spec(data, self._tools.schemas(), self._expressions, self._json_schemas)

    def check_inputs(self, spec: PlanSpec, inputs: object) -> JsonObject:
        """The inputs if they are a JSON object that passes the spec's `inputs_schema`."""
        return self._inputs.checked(spec, inputs)

    def check_approver(
        self, spec: PlanSpec, approver: str, *, created_by: str, roles: Collection[str] = ()
    ) -> None:
        """Raise unless `approver` (with `roles`) may approve a plan of `spec` that
        `created_by` creates now: a caller that creates and approves at once asks first, so a
        refusal leaves nothing behind."""
        check_may_approve(spec, approver, created_by=created_by, roles=roles)

    def create_plan(
        self,
        spec: object,
        *,
        by: str,
        inputs: object = None,
        plan_id: UUID | None = None,
        traceparent: str | None = None,
        approver: str | None = None,
    ) -> UUID:
        """Validate a spec and its inputs, record the new plan, and return its id.

        Nothing is written when either is refused, or `traceparent` (the caller's W3C trace
        context, recorded so the plan's spans join the caller's trace) is malformed, or
        `approver` (who is about to approve it) is not one of the spec's approvers. `plan_id`
        lets a caller that reserved an id first (an idempotent submission) use it; a plan that
        already has it raises `ConcurrencyError` and is left as it is.
        """
        events = self._creation.create(
            spec,
            by=by,
            inputs=inputs,
            plan_id=plan_id,
            traceparent=traceparent,
            approver=approver,
        )
        return events[0].plan_id

    def approve(
        self, plan_id: UUID, *, by: str, comment: str = "", roles: Collection[str] = ()
    ) -> PlanState:
        """Approve a waiting plan: only its `approvers` (by name, or by one of `roles`) may."""
        return self._decide(plan_id, approve, by=by, comment=comment, roles=roles)

    def reject(
        self, plan_id: UUID, *, by: str, reason: str, roles: Collection[str] = ()
    ) -> PlanState:
        """Reject a plan that waits for approval; `roles` as in `approve`."""
        return self._decide(plan_id, reject, by=by, reason=reason, roles=roles)

    def cancel(self, plan_id: UUID, *, by: str, reason: str) -> PlanState:
        """Cancel a plan that has not ended; an engine running it stops its tools.

        The child plans of its running plan steps are cancelled too, and theirs, recursively.
        """
        plan = self._decide(plan_id, cancel, by=by, reason=reason)
        self._engine.sub_plans.cancel_children(
            plan,
            reason=f"parent plan {plan_id} cancelled: {reason}",
            correlation_id=plan.correlation_id,
        )
        return plan

    def quarantine(self, plan_id: UUID, *, by: str, crashes: int, reason: str) -> PlanState:
        """End a plan whose processing crashed engines `crashes` times (`crash_quarantine`)."""
        plan = self._decide(
            plan_id, quarantine_after_crashes, by=by, crashes=crashes, reason=reason
        )
        self._engine.sub_plans.cancel_children(
            plan, reason=f"parent plan {plan_id} quarantined", correlation_id=plan.correlation_id
        )
        return plan

    def add_step(self, plan_id: UUID, step: object, *, by: str, reason: str) -> PlanState:
        """Add a step (raw step data) to a plan that has not ended, even one that is running.

        The revised spec is validated in full; a refusal writes nothing. An engine running the
        plan picks the step up (see `core.domain.revisions`).
        """
        data = _mapping(step, "step")
        return self._decide(plan_id, add_step, data, validate=self.validate, by=by, reason=reason)

    def revise_step(
        self, plan_id: UUID, step_id: str, changes: object, *, by: str, reason: str
    ) -> PlanState:
        """Change fields (parameters, depends_on, max_retries, ...) of a step not yet started."""
        data = _mapping(changes, "changes")
        return self._decide(
            plan_id, revise_step, step_id, data, validate=self.validate, by=by, reason=reason
        )

    def remove_step(self, plan_id: UUID, step_id: str, *, by: str, reason: str) -> PlanState:
        """Remove a step that has not started and that no other step depends on."""
        return self._decide(
            plan_id, remove_step, step_id, validate=self.validate, by=by, reason=reason
        )

    def fork(self, plan_id: UUID, *, from_step: str, by: str, spec: object = None) -> UUID:
        """Create a plan from an ended one that re-runs `from_step` and what depends on it.

        Other steps that completed keep their results (see `core.domain.forks`). The fork has the
        source's inputs and its spec as it ended, or `spec`; either is validated in full. It
        then waits for approval or execution like any new plan.
        """
        source = self.record_due(plan_id)
        return self._creation.fork(source, from_step=from_step, by=by, spec=spec)

    def execute(
        self,
        plan_id: UUID,
        *,
        stop: threading.Event | None = None,
        slots: CallSlots | None = None,
        launch_child: ChildLauncher | None = None,
        leave_when_paused: bool = False,
        on_loaded: PlanCallback | None = None,
        refuse_left_running: bool = False,
    ) -> PlanState:
        """Execute an approved plan, or go on with an executing one, until it ends.

        With `refuse_left_running`, attempts another process left running raise (see `resume`).
        What has fallen due is recorded first (an approval past its deadline expires); then
        `on_loaded` sees the plan before anything runs (a CLI says why a paused plan waits). A
        plan that is not approved yet, or has ended, is returned as it is (an ended sub-plan
        first makes sure its parent knows). Once `stop` is set nothing new starts and the plan
        is returned when its calls in flight have ended; `slots` caps the tool calls of every
        engine that shares it (a worker's `--concurrency`). Child plans run here, unless
        `launch_child` takes them (a worker queues them): then a plan that only waits on its
        children is returned. While the plan is paused the engine waits for the unpause, or,
        with `leave_when_paused`, returns the plan once its calls in flight have ended.
        """
        plan = self.record_due(plan_id)
        if on_loaded is not None:
            on_loaded(plan)
        if plan.is_terminal:
            self._engine.sub_plans.report_to_parent(plan, self._ids.new_id())
        if plan.status not in (PlanStatus.APPROVED, PlanStatus.EXECUTING):
            return plan
        if refuse_left_running:
            refuse_others_attempts(plan)
        return self._engine.execute(
            plan,
            self._ids.new_id(),
            stop=stop,
            slots=slots,
            launch_child=launch_child,
            leave_when_paused=leave_when_paused,
        )

    def recover(self, plan_id: UUID, *, by: str) -> PlanState:
        """Record what a stop left behind, without executing: attempts left running end.

        A worker calls it when it takes over a plan whose lease expired. As in `resume`, an
        idempotent step left running is interrupted (it runs again), a non-idempotent one fails
        with `interrupted`; each event names the worker that started the attempt. A plan with
        nothing left running gets no event.
        """

        def interrupt(plan: PlanState, correlation_id: UUID) -> list[PlanEvent]:
            if plan.status is not PlanStatus.EXECUTING or only_children_run(plan):
                return []
            if not plan.running:
                return []
            return resume(plan, by=by, now=self._clock.now(), correlation_id=correlation_id)

        return self._command(plan_id, self._after_due(interrupt))

    def resume(self, plan_id: UUID, *, by: str, on_loaded: PlanCallback | None = None) -> PlanState:
        """Go on after a stop (even kill -9); attempts left running are re-run or failed.

        An idempotent step left running gets a new attempt; a non-idempotent one fails with
        error type `interrupted`. Completed steps never run again. `on_loaded` as in `execute`.
        """
        plan = self.get_plan(plan_id)
        if plan.status is PlanStatus.EXECUTING:
            self._decide(plan_id, resume, by=by)
        return self.execute(plan_id, on_loaded=on_loaded)

    def run(
        self,
        spec: object,
        *,
        by: str,
        approve_as: str | None = None,
        comment: str = "",
        inputs: object = None,
        traceparent: str | None = None,
        on_created: PlanIdCallback | None = None,
    ) -> PlanState:
        """Create a plan, approve it as `approve_as` if it needs approval, and execute it.

        `on_created` learns the new plan's id before anything else happens to it, so a caller
        can name the plan while it runs; `comment` goes with the approval.
        """
        created = self._creation.create(
            spec, by=by, inputs=inputs, plan_id=None, traceparent=traceparent, approver=approve_as
        )
        plan = fold(created)  # what this call just wrote: no need to read it back
        if on_created is not None:
            on_created(plan.plan_id)
        if plan.status is PlanStatus.PENDING_APPROVAL:
            if approve_as is not None:
                self.approve(plan.plan_id, by=approve_as, comment=comment)
            return self.execute(plan.plan_id)
        if plan.status is not PlanStatus.APPROVED:
            return plan
        return self._engine.execute(plan, self._ids.new_id())  # as `execute` would go on

    def record_due(self, plan_id: UUID) -> PlanState:
        """Record what has fallen due without an engine: an approval past its deadline expires.

        Every command does this first (a worker's `recover` too); nothing due, no event.
        """
        return self._command(plan_id, self._after_due(lambda plan, correlation_id: []))

    def get_plan(self, plan_id: UUID) -> PlanState:
        """The plan's current state, folded from its events; it never writes.

        An approval whose deadline has passed still shows `pending_approval` until a command
        (or a worker, for a queued plan) records its expiry.
        """
        return self._load(plan_id)

    def history(self, plan_id: UUID) -> list[PlanEvent]:
        """Every event of the plan, oldest first."""
        events = self._store.load(plan_id)
        if not events:
            raise PlanNotFoundError(plan_id)
        return events

    def _load(self, plan_id: UUID) -> PlanState:
        return fold(self.history(plan_id))

    def _append(self, plan: PlanState, events: list[PlanEvent]) -> None:
        self._store.append(events)
        for event in events:
            evolve(plan, event)

    def _decide(
        self,
        plan_id: UUID,
        decision: Callable[..., list[PlanEvent]],
        *args: object,
        **fields: object,
    ) -> PlanState:
        """Run the pure `decision(plan, *args, **fields, now=, correlation_id=)` as a command."""
        return self._command(
            plan_id,
            self._after_due(
                lambda plan, cid: decision(
                    plan, *args, now=self._clock.now(), correlation_id=cid, **fields
                )
            ),
        )

    def _after_due(self, command: Command) -> Command:
        """`command`, once what has fallen due is appended on its own and folded in.

        The expiry stays recorded when the command then refuses (an approval that came late).
        """

        def due_first(plan: PlanState, correlation_id: UUID) -> list[PlanEvent]:
            now = self._clock.now()
            if plan.status is PlanStatus.PENDING_APPROVAL:
                schedule = decide(plan, now, self._expressions)
                due = [d for d in schedule.decisions if isinstance(d, ExpireApproval)]
                if due:
                    expiry = apply_decisions(
                        plan, due, now=now, worker="-", correlation_id=self._ids.new_id()
                    )
                    self._append(plan, expiry)
            return command(plan, correlation_id)

        return due_first

    def _command(self, plan_id: UUID, command: Command) -> PlanState:
        def attempt() -> PlanState:
            plan = self.get_plan(plan_id)
            self._append(plan, command(plan, self._ids.new_id()))
            return plan

        return retry_on_conflict(plan_id, attempt)


def _mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not all(isinstance(key, str) for key in data):
        raise InvalidPlanSpecError([SpecProblem(what, "must be a mapping of fields")])
    return data
