"""Creating a plan, from a spec or as a fork: validate, check inputs, seal secrets, append.

Every refusal comes before the one append, so a refused plan writes nothing (its secrets' data
key, kept when they are sealed, is the one thing a failed append can leave behind, unused).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from core.domain.decisions import check_may_approve, create_plan
from core.domain.events import PlanEvent
from core.domain.forks import check_fork, fork_plan
from core.domain.plan import PlanState
from core.domain.ports import Clock, EventStore, IdFactory
from core.domain.revisions import spec_data
from core.domain.spec import PlanSpec
from core.runtime.plan_inputs import PlanInputs


class PlanCreation:
    """Records new plans in `store`, validating with `validate` and `inputs`."""

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        ids: IdFactory,
        validate: Callable[[object], PlanSpec],
        inputs: PlanInputs,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ids = ids
        self._validate = validate
        self._inputs = inputs

    def create(
        self,
        spec: object,
        *,
        by: str,
        inputs: object,
        plan_id: UUID | None,
        traceparent: str | None,
        approver: str | None,
    ) -> list[PlanEvent]:
        """Record a new plan (see `PlanService.create_plan`) and return the events recorded."""
        data = (
            spec.model_dump(mode="json", exclude_unset=True) if isinstance(spec, PlanSpec) else spec
        )
        parsed = self._validate(data)
        if approver is not None:
            check_may_approve(parsed, approver, created_by=by)
        checked = self._inputs.checked(parsed, {} if inputs is None else inputs)
        plan_id = plan_id or self._ids.new_id()
        recorded, sealed = self._inputs.recorded(plan_id, parsed, checked)
        events = create_plan(
            plan_id,
            parsed,
            by=by,
            now=self._clock.now(),
            correlation_id=self._ids.new_id(),
            inputs=recorded,
            traceparent=traceparent,
            sealed_inputs=sealed,
        )
        self._store.append(events)
        return events

    def fork(self, source: PlanState, *, from_step: str, by: str, spec: object) -> UUID:
        """Record a fork of `source` (see `PlanService.fork`); its secrets are sealed anew."""
        check_fork(source, from_step)
        parsed = self._validate(spec_data(source.spec) if spec is None else spec)
        inputs = self._inputs.checked(parsed, self._inputs.revealed(source))
        fork_id = self._ids.new_id()
        recorded, sealed = self._inputs.recorded(fork_id, parsed, inputs)
        events = fork_plan(
            source,
            plan_id=fork_id,
            from_step=from_step,
            spec=parsed,
            inputs=recorded,
            by=by,
            now=self._clock.now(),
            correlation_id=self._ids.new_id(),
            sealed_inputs=sealed,
        )
        self._store.append(events)
        return fork_id
