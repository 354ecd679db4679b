"""Carrying sub-plans across plans: start children, report their ends, cancel them (ports).

Each method works on plans other than the one the caller holds (a child, a parent) through the
store alone, and loses an optimistic-concurrency race gracefully: it reloads and decides again
(`conflict_retry`), and a report or a cancel that no longer fits is nothing. That is what makes
a child's end reach its parent exactly once, whoever reports it first: the child's engine when
it ends, or the parent's engine when it looks at its children (after a crash, say).
"""

from __future__ import annotations

from uuid import UUID

from core.domain.decisions import cancel, resume
from core.domain.errors import SecretsUnavailableError
from core.domain.events import ENGINE_ACTOR, PlanEvent
from core.domain.plan import PlanState, evolve, fold
from core.domain.ports import Clock, EventStore, Expressions, JsonSchemas
from core.domain.status import PlanStatus, StepStatus
from core.domain.sub_plans import (
    ChildInputs,
    child_plan_id,
    only_children_run,
    report_child_end,
    start_child,
    unstarted_children,
    waiting_children,
)
from core.runtime.conflict_retry import retry_on_conflict
from core.runtime.plan_inputs import PlanInputs
from core.runtime.secret_calls import step_secrets


class SubPlanRunner:
    """Starts, reports and cancels child plans through the store."""

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        json_schemas: JsonSchemas,
        inputs: PlanInputs,
        expressions: Expressions,
    ) -> None:
        self._store = store
        self._clock = clock
        self._json_schemas = json_schemas
        self._inputs = inputs
        self._expressions = expressions

    def start_pending(
        self, plan: PlanState, correlation_id: UUID
    ) -> tuple[list[PlanEvent], list[PlanEvent]]:
        """Start the child of each plan step that just started: (parent events, child events).

        The parent events are applied to `plan`; both lists must be appended in one batch.
        """
        parent: list[PlanEvent] = []
        children: list[PlanEvent] = []
        for step_id in unstarted_children(plan):
            start = start_child(
                plan,
                step_id,
                now=self._clock.now(),
                correlation_id=correlation_id,
                json_schemas=self._json_schemas,
                inputs=self._with_secrets(plan, step_id),
            )
            for event in start.parent_events:
                evolve(plan, event)
            parent += start.parent_events
            children += start.child_events
        return parent, children

    def _with_secrets(self, plan: PlanState, step_id: str) -> ChildInputs | None:
        """The child's inputs resolved with the parent's secrets in clear, its own secret ones
        sealed under the root plan's data key and every parent secret scrubbed from the rest
        (None when the parent has no secrets: its recorded parameters are the child's inputs).
        """
        if plan.sealed_inputs is None:
            return None
        step = plan.steps[step_id]
        assert step.spec.plan is not None
        resolved = step_secrets(
            plan, step_id, step.parameters or {}, self._inputs, self._expressions
        )
        if resolved.failure is not None:
            return ChildInputs.refusal(resolved.failure[1])
        child_id = child_plan_id(plan.plan_id, step_id, step.attempt)
        root_key = plan.sealed_inputs.key_plan_id or plan.plan_id
        try:
            recorded, sealed = self._inputs.recorded(
                child_id, step.spec.plan, resolved.parameters, under=root_key
            )
        except SecretsUnavailableError as error:
            return ChildInputs.refusal(str(error))
        kept = resolved.scrub(recorded)
        assert isinstance(kept, dict)
        return ChildInputs(resolved.parameters, kept, sealed, resolved.texts)

    def recovered(self, plan_id: UUID, *, by: str) -> PlanState:
        """A child as it is, after recording the attempts a stop left running in it (if any)."""

        def attempt() -> PlanState:
            plan = fold(self._store.load(plan_id))
            if (
                plan.status is not PlanStatus.EXECUTING
                or only_children_run(plan)
                or not plan.running
            ):
                return plan
            events = resume(plan, by=by, now=self._clock.now(), correlation_id=plan.correlation_id)
            self._store.append(events)
            return _applied(plan, events)

        return retry_on_conflict(plan_id, attempt)

    def finished(self, plan: PlanState, correlation_id: UUID) -> list[PlanEvent]:
        """The reports of the children that ended and were not reported yet (applied to `plan`)."""
        events: list[PlanEvent] = []
        for child_id in waiting_children(plan).values():
            history = self._store.load(child_id)
            if not history:
                continue
            reported = report_child_end(
                plan, fold(history), now=self._clock.now(), correlation_id=correlation_id
            )
            for event in reported:
                evolve(plan, event)
            events += reported
        return events

    def report_to_parent(self, child: PlanState, correlation_id: UUID) -> None:
        """Tell the parent of an ended child how it ended (nothing if already told)."""
        parent_id = child.parent_plan_id
        if parent_id is None or not child.is_terminal:
            return

        def attempt() -> None:
            parent = fold(self._store.load(parent_id))
            events = report_child_end(
                parent, child, now=self._clock.now(), correlation_id=correlation_id
            )
            self._store.append(events)

        retry_on_conflict(parent_id, attempt)

    def cancel_tree(self, plan_id: UUID, *, reason: str, correlation_id: UUID) -> None:
        """Cancel a child plan that has not ended, and its own running children, recursively."""

        def attempt() -> PlanState | None:
            history = self._store.load(plan_id)
            if not history:
                return None
            plan = fold(history)
            if plan.is_terminal:
                return None
            events = cancel(
                plan,
                by=ENGINE_ACTOR,
                reason=reason,
                now=self._clock.now(),
                correlation_id=correlation_id,
            )
            self._store.append(events)
            return _applied(plan, events)

        cancelled = retry_on_conflict(plan_id, attempt)
        if cancelled is not None:
            self.cancel_children(cancelled, reason=reason, correlation_id=correlation_id)

    def cancel_children(self, plan: PlanState, *, reason: str, correlation_id: UUID) -> None:
        """Cancel the child of every plan step of `plan` that was cancelled while it ran."""
        for step in plan.steps.values():
            if step.status is StepStatus.CANCELLED and step.child_plan_id is not None:
                self.cancel_tree(step.child_plan_id, reason=reason, correlation_id=correlation_id)


def _applied(plan: PlanState, events: list[PlanEvent]) -> PlanState:
    for event in events:
        evolve(plan, event)
    return plan
