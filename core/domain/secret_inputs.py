"""Secret plan inputs: which they are, how they are recorded, and what hides them (pure).

An input whose `inputs_schema` property says `writeOnly: true` or `format: password` is secret.
`PlanCreated` records it as `REDACTED` among the inputs, and its value only as `SealedInputs`:
ciphertext under a data key of the plan's own, which a master key kept outside the database
wraps (see `adapters.secrets`). The hash chain covers the ciphertext; forgetting the plan's
data key makes the values unreadable and leaves the chain whole. Everything the fold and the
scheduler see is the redacted form, so conditions, outputs and the parameters recorded in
`StepStarted` show `REDACTED` where a secret went; the engine resolves a step's parameters
again with the clear values only for the tool call, and scrubs them from what the tool returns.

A sub-plan gets a parent's secret only through an input its own `inputs_schema` marks secret:
the engine resolves the plan step's `inputs` with the clear values and seals the child's secret
ones under the root plan's data key (`key_plan_id`), so that one key covers the whole tree and
forgetting it forgets the children's secrets too.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from core.domain.additive_fields import additive
from core.domain.json_value import JsonObject, JsonValue

REDACTED = "***"
"""What every view, log and recorded parameter shows in place of a secret value."""


class SealedInputs(BaseModel):
    """Secret inputs, encrypted: `ciphertext` (base64, AES-GCM with `nonce`) under the plan's
    data key, which is wrapped by the master key `key_id` and kept beside the events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_id: str
    nonce: str
    ciphertext: str
    key_plan_id: UUID | None = additive(None)
    """The plan whose data key sealed them, when not this plan's own (a sub-plan's, sealed
    under its root plan's key); the plan's own id stays the ciphertext's associated data."""


class SecretVault(Protocol):
    """Envelope encryption of a plan's secret inputs (the port; `adapters.secrets` has it)."""

    def seal(self, plan_id: UUID, values: JsonObject, *, under: UUID | None = None) -> SealedInputs:
        """Encrypt `values` under a new data key for the plan, and keep that key; with `under`,
        under the existing data key of that plan instead (no key is kept for this one)."""
        ...

    def unseal(self, plan_id: UUID, sealed: SealedInputs) -> JsonObject:
        """The clear values; `SecretsUnavailableError` when the plan's data key is forgotten
        or the master key is not the one it was sealed under."""
        ...


def secret_input_names(schema: JsonObject | None) -> frozenset[str]:
    """The inputs a schema marks secret: `writeOnly: true` or `format: password`."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return frozenset()
    return frozenset(
        name
        for name, declared in properties.items()
        if isinstance(declared, dict)
        and (declared.get("writeOnly") is True or declared.get("format") == "password")
    )


def redacted(inputs: JsonObject, names: frozenset[str]) -> JsonObject:
    """The inputs with each secret one's value replaced by `REDACTED`."""
    return {name: REDACTED if name in names else value for name, value in inputs.items()}


def secret_texts(values: JsonObject) -> list[str]:
    """Every text a secret value could appear as in a tool's output, longest first."""
    texts: set[str] = set()
    stack: list[JsonValue] = list(values.values())
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif value is not None and not isinstance(value, bool):
            texts.add(str(value))
    return sorted((text for text in texts if text), key=len, reverse=True)


def scrubbed(value: JsonValue, texts: list[str]) -> JsonValue:
    """`value` with every occurrence of each of `texts` in its strings replaced by `REDACTED`."""
    if not texts:
        return value
    if isinstance(value, str):
        for text in texts:
            value = value.replace(text, REDACTED)
        return value
    if isinstance(value, dict):
        return {scrubbed(key, texts): scrubbed(item, texts) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, texts) for item in value]
    return value
