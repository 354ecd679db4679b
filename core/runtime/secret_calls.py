"""A tool call of a plan with secret inputs: its parameters in clear, its outcome scrubbed.

The scheduler resolved the recorded parameters from the redacted inputs, so `StepStarted`
shows `***` where a secret goes. Just before the call, the engine resolves them again with the
clear values (a pure function of the same recorded results, so nothing else changes), and
afterwards replaces every secret text in the result, the message and the details by `***`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.domain.data_passing import Unprepared, resolve_parameters
from core.domain.errors import SecretsUnavailableError
from core.domain.events import StepStarted
from core.domain.json_value import JsonObject, JsonValue
from core.domain.plan_state import PlanState
from core.domain.ports import Expressions
from core.domain.secret_inputs import scrubbed, secret_texts
from core.runtime.plan_inputs import PlanInputs

SECRETS_UNAVAILABLE = "secrets_unavailable"


@dataclass(frozen=True)
class CallSecrets:
    """What a call gets (`parameters`), what to scrub from its outcome, or why it cannot run."""

    parameters: JsonObject
    texts: list[str] = field(default_factory=list)
    failure: tuple[str, str] | None = None

    def scrub(self, value: JsonValue) -> JsonValue:
        """`value` with every secret text replaced by `***`."""
        return scrubbed(value, self.texts)


def call_secrets(
    plan: PlanState, event: StepStarted, inputs: PlanInputs, expressions: Expressions
) -> CallSecrets:
    """The call's parameters with the plan's secrets in clear (the recorded ones if it has none)."""
    return step_secrets(plan, event.step_id, event.parameters, inputs, expressions)


def step_secrets(
    plan: PlanState,
    step_id: str,
    recorded: JsonObject,
    inputs: PlanInputs,
    expressions: Expressions,
) -> CallSecrets:
    """A started step's parameters (a plan step's: its child's inputs) resolved again with the
    plan's secrets in clear; `recorded`, the ones its `StepStarted` holds, if it has none."""
    if plan.sealed_inputs is None:
        return CallSecrets(recorded)
    try:
        secrets = inputs.secrets_of(plan)
    except SecretsUnavailableError as error:
        return CallSecrets(recorded, failure=(SECRETS_UNAVAILABLE, str(error)))
    texts = secret_texts(secrets)
    clear = resolve_parameters(
        plan, plan.steps[step_id], expressions, inputs={**plan.inputs, **secrets}
    )
    if isinstance(clear, Unprepared):
        message = scrubbed(f"{clear.field}: {clear.message}", texts)
        return CallSecrets(recorded, texts, (clear.error_type, str(message)))
    return CallSecrets(clear, texts)
