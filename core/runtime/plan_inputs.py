"""A plan's inputs on their way in: checked against the spec, secret ones sealed.

Nothing is written when they are refused: a mapping that is not JSON, values that fail the
spec's `inputs_schema`, or secret inputs where no secrets key is configured.
"""

from __future__ import annotations

from uuid import UUID

from core.domain.errors import InvalidInputsError, SecretsUnavailableError, SpecProblem
from core.domain.json_value import JsonObject, unstorable_part
from core.domain.plan_state import PlanState
from core.domain.ports import JsonSchemas
from core.domain.secret_inputs import SealedInputs, SecretVault, redacted, secret_input_names
from core.domain.spec import PlanSpec

NO_SECRETS_KEY = (
    "no secrets key is configured: set PLANLEDGER_SECRETS_KEY to a key file "
    "(`planledger secrets init-key PATH` makes one)"
)


class PlanInputs:
    """Checks inputs and seals the secret ones through the vault (None: no key configured)."""

    def __init__(self, json_schemas: JsonSchemas, vault: SecretVault | None) -> None:
        self._json_schemas = json_schemas
        self.vault = vault

    def checked(self, spec: PlanSpec, inputs: object) -> JsonObject:
        """The inputs if they are a JSON object that passes the spec's `inputs_schema`."""
        if not isinstance(inputs, dict) or not all(isinstance(key, str) for key in inputs):
            raise InvalidInputsError([SpecProblem("inputs", "must be a mapping of names")])
        unstorable = unstorable_part(inputs, "inputs")
        if unstorable is not None:
            raise InvalidInputsError([SpecProblem("inputs", unstorable)])
        if spec.inputs_schema is not None:
            problems = self._json_schemas.instance_problems(inputs, spec.inputs_schema)
            if problems:
                raise InvalidInputsError(problems)
        return inputs

    def recorded(
        self, plan_id: UUID, spec: PlanSpec, inputs: JsonObject, *, under: UUID | None = None
    ) -> tuple[JsonObject, SealedInputs | None]:
        """What `PlanCreated` records: the inputs with secrets redacted, and the sealed secrets.

        Sealing keeps the plan's data key (a write beside the events); a plan whose creation
        then fails leaves only that unused key behind. A sub-plan's are sealed `under` its root
        plan's key, and keep none of their own.
        """
        names = secret_input_names(spec.inputs_schema) & inputs.keys()
        if not names:
            return inputs, None
        if self.vault is None:
            raise SecretsUnavailableError(None, f"{', '.join(sorted(names))}: {NO_SECRETS_KEY}")
        values = {name: inputs[name] for name in sorted(names)}
        sealed = self.vault.seal(plan_id, values, under=under)
        return redacted(inputs, frozenset(names)), sealed

    def revealed(self, plan: PlanState) -> JsonObject:
        """The plan's inputs with its secret ones in clear (for a tool call, or a fork)."""
        return {**plan.inputs, **self.secrets_of(plan)}

    def secrets_of(self, plan: PlanState) -> JsonObject:
        """The plan's secret inputs in clear (none without sealed inputs)."""
        if plan.sealed_inputs is None:
            return {}
        if self.vault is None:
            raise SecretsUnavailableError(plan.plan_id, NO_SECRETS_KEY)
        return self.vault.unseal(plan.plan_id, plan.sealed_inputs)
