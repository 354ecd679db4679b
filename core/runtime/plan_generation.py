"""Plan generation with repair: ask a model for a spec, validate it, send back every problem.

The validator is the one every spec goes through (the enabled tools, the expression language,
the inputs schema); a round whose draft passes ends the loop, and the plan is created, waiting
for approval, with every round recorded on it. A model that never produces a valid plan within
`max_repairs` creates nothing: `PlanNotGeneratedError` names every remaining problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from core.domain.errors import InvalidInputsError, InvalidPlanSpecError, PlanNotGeneratedError
from core.domain.generation import (
    PlanDrafter,
    Round,
    create_generated_plan,
    generation_prompt,
    prompt_digest,
    read_draft,
    repair_messages,
    with_required_approval,
)
from core.domain.json_value import JsonObject
from core.domain.ports import Clock, EventStore, IdFactory
from core.domain.spec import PlanSpec
from core.runtime.service import PlanService


@dataclass(frozen=True)
class GeneratedPlan:
    """The plan created from the accepted draft, and every round it took."""

    plan_id: UUID
    rounds: tuple[Round, ...]


class PlanGenerator:
    """Drafts plans with a model and creates the valid one, to be approved by a person."""

    def __init__(
        self,
        service: PlanService,
        drafter: PlanDrafter,
        store: EventStore,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self._service = service
        self._drafter = drafter
        self._store = store
        self._clock = clock
        self._ids = ids

    def generate(
        self,
        goal: str,
        *,
        by: str,
        context: str = "",
        constraints: Sequence[str] = (),
        max_repairs: int = 2,
    ) -> GeneratedPlan:
        """Ask, validate and repair up to `max_repairs` times; create the plan it accepts."""
        messages = generation_prompt(
            goal,
            context=context,
            constraints=constraints,
            tool_schemas=self._tool_schemas(),
            spec_schema=PlanSpec.model_json_schema(),
        )
        rounds: list[Round] = []
        for number in range(1, max_repairs + 2):
            digest = prompt_digest(messages)
            reply = self._drafter.draft(messages)
            draft, problems = read_draft(reply)
            spec = None
            if not problems:
                assert isinstance(draft, dict)
                spec, problems = self._checked(with_required_approval(draft))
            rounds.append(Round(number, digest, draft, tuple(problems)))
            if spec is not None:
                return self._create(spec, rounds, by)
            messages = [*messages, *repair_messages(reply, problems)]
        raise PlanNotGeneratedError(len(rounds), rounds[-1].problems)

    def _checked(self, draft: JsonObject) -> tuple[PlanSpec | None, list[str]]:
        """The spec if it is valid and needs no inputs; else every problem, as text."""
        try:
            spec = self._service.validate(draft)
            self._service.check_inputs(spec, {})
        except (InvalidPlanSpecError, InvalidInputsError) as invalid:
            return None, [str(problem) for problem in invalid.problems]
        return spec, []

    def _create(self, spec: PlanSpec, rounds: list[Round], by: str) -> GeneratedPlan:
        plan_id = self._ids.new_id()
        events = create_generated_plan(
            plan_id,
            spec,
            rounds,
            drafter=self._drafter,
            by=by,
            now=self._clock.now(),
            correlation_id=self._ids.new_id(),
        )
        self._store.append(events)
        return GeneratedPlan(plan_id, tuple(rounds))

    def _tool_schemas(self) -> JsonObject:
        tools = self._service.tools
        return {
            name: {
                "description": tools[name].description,
                "parameters": tools[name].parameters.model_json_schema(),
            }
            for name in sorted(tools)
        }
