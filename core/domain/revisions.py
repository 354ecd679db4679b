"""Live revision decisions: add, revise or remove a step of a plan that has not ended (pure).

Each decision builds the revised spec and validates it in full with the validator that checks
new plans (tools' parameter schemas, references to ancestors only, cycles, unknown
dependencies), so a revised plan is one that could have been created as it now stands. A
refusal raises before any event exists: nothing is written. A revision of an approved plan that
requires approval voids the approval in the same append (`ApprovalVoided`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

from core.domain.approval_binding import voided_by_revision
from core.domain.errors import (
    InvalidPlanSpecError,
    InvalidTransitionError,
    RevisionRefusedError,
    SpecProblem,
    StepNotFoundError,
)
from core.domain.event_stamper import EventStamper
from core.domain.events import PlanEvent, StepAdded, StepRemoved, StepRevised
from core.domain.plan import PlanState, StepState
from core.domain.revision_transitions import is_unstarted
from core.domain.spec import PlanSpec, StepSpec

SpecValidator = Callable[[object], PlanSpec]
"""Raw spec data -> a valid spec, or `InvalidPlanSpecError` with every problem."""


def spec_data(spec: PlanSpec) -> dict[str, Any]:
    """A spec as the raw data a user would write: fields at their defaults left out.

    Left out so that validation sees only what was chosen, as it did at creation (an option
    set to its default would otherwise look explicitly given).
    """
    return spec.model_dump(mode="json", exclude_defaults=True)


def add_step(
    plan: PlanState,
    step: Mapping[str, Any],
    *,
    validate: SpecValidator,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """Add a step to a plan that has not ended; it may depend on steps that already ended."""
    step_id = step.get("id")
    action = f"add step {step_id!r} to" if isinstance(step_id, str) else "add a step to"
    _check_open(plan, "revise")
    if isinstance(step_id, str) and step_id in plan.steps:
        _refuse(plan, action, f"steps[{step_id}].id", "the plan already has a step with this id")
    data = spec_data(plan.spec)
    data["steps"].append(dict(step))
    added = _validated(plan, action, data, validate).steps[-1]
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return _voiding(plan, stamp(StepAdded, step=added, by=by, reason=reason), by, reason, now)


def revise_step(
    plan: PlanState,
    step_id: str,
    changes: Mapping[str, Any],
    *,
    validate: SpecValidator,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """Change fields of a step that has not started (anything but its id)."""
    action = f"revise step {step_id!r} of"
    step = _unstarted_step(plan, step_id, action)
    if "id" in changes and changes["id"] != step_id:
        _refuse(plan, action, f"steps[{step_id}].id", "a step's id cannot change")
    data = spec_data(plan.spec)
    index = [raw["id"] for raw in data["steps"]].index(step_id)
    data["steps"][index] = {**data["steps"][index], **changes, "id": step_id}
    revised = _validated(plan, action, data, validate).steps[index]
    fields = _changed_fields(step.spec, revised)
    if not fields:
        _refuse(plan, action, f"steps[{step_id}]", "the revision changes nothing")
    stamp = EventStamper.after(plan, now, by, correlation_id)
    event = stamp(StepRevised, step=revised, fields=fields, by=by, reason=reason)
    return _voiding(plan, event, by, reason, now)


def remove_step(
    plan: PlanState,
    step_id: str,
    *,
    validate: SpecValidator,
    by: str,
    reason: str,
    now: datetime,
    correlation_id: UUID,
) -> list[PlanEvent]:
    """Remove a step that has not started and that no other step depends on."""
    action = f"remove step {step_id!r} from"
    _unstarted_step(plan, step_id, action)
    dependants = plan.dependants[step_id]
    if dependants:
        names = ", ".join(repr(name) for name in dependants)
        _refuse(
            plan,
            action,
            f"steps[{dependants[0]}].depends_on",
            f"{names} depend{'s' * (len(dependants) == 1)} on {step_id!r}: removing it would "
            "orphan them (remove or revise them first)",
        )
    data = spec_data(plan.spec)
    data["steps"] = [raw for raw in data["steps"] if raw["id"] != step_id]
    _validated(plan, action, data, validate)
    stamp = EventStamper.after(plan, now, by, correlation_id)
    return _voiding(
        plan, stamp(StepRemoved, step_id=step_id, by=by, reason=reason), by, reason, now
    )


def _voiding(
    plan: PlanState, revision: PlanEvent, by: str, reason: str, now: datetime
) -> list[PlanEvent]:
    """The revision, then `ApprovalVoided` if it changed a plan whose approval was in force."""
    return [revision, *voided_by_revision(plan, revision, by=by, reason=reason, now=now)]


def _check_open(plan: PlanState, action: str) -> None:
    if plan.is_terminal:
        raise InvalidTransitionError(plan.plan_id, plan.status.value, action)


def _unstarted_step(plan: PlanState, step_id: str, action: str) -> StepState:
    _check_open(plan, "revise")
    step = plan.steps.get(step_id)
    if step is None:
        raise StepNotFoundError(plan.plan_id, step_id)
    if not is_unstarted(step):
        _refuse(
            plan,
            action,
            f"steps[{step_id}]",
            f"has started ({step.status.value}, attempt {step.attempt}): only a step that "
            "has not started can change",
        )
    return step


def _validated(
    plan: PlanState, action: str, data: dict[str, Any], validate: SpecValidator
) -> PlanSpec:
    try:
        return validate(data)
    except InvalidPlanSpecError as invalid:
        raise RevisionRefusedError(plan.plan_id, action, invalid.problems) from None


def _changed_fields(old: StepSpec, new: StepSpec) -> tuple[str, ...]:
    return tuple(name for name in StepSpec.model_fields if getattr(old, name) != getattr(new, name))


def _refuse(plan: PlanState, action: str, location: str, message: str) -> NoReturn:
    raise RevisionRefusedError(plan.plan_id, action, [SpecProblem(location, message)])
