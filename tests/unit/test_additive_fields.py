"""Fields added to events and specs later leave old events' bytes, and so their hashes, alone."""

from __future__ import annotations

import json

from core.domain.events import PlanCompleted, PlanCreated, StepSkipped
from core.domain.hash_chain import canonical_bytes, event_hash, seal
from tests.unit.builders import CORRELATION_ID, PLAN_ID, T0, spec, step

ENVELOPE = {
    "originator_id": PLAN_ID,
    "originator_version": 1,
    "timestamp": T0,
    "actor": "alice",
    "correlation_id": CORRELATION_ID,
}


def test_an_event_without_the_new_features_dumps_exactly_as_before_them() -> None:
    created = seal(PlanCreated(**ENVELOPE, spec=spec(step("a"), step("b", "a"))))

    body = json.loads(canonical_bytes(created))

    assert "inputs" not in body
    assert not {"when", "trigger"} & set(body["spec"]["steps"][0])
    assert not {"inputs_schema", "outputs"} & set(body["spec"])


def test_an_old_stored_state_loads_and_keeps_its_hash() -> None:
    stored = seal(PlanCompleted(**{**ENVELOPE, "originator_version": 9}))
    old_state = json.loads(stored.model_dump_json())

    loaded = PlanCompleted.model_validate(old_state)

    assert loaded.outputs == {}
    assert event_hash(loaded) == stored.hash == old_state["hash"]


def test_new_fields_are_stored_and_hashed_when_they_are_used() -> None:
    plain = StepSkipped(**ENVELOPE, step_id="a", reason="condition false")
    marked = plain.model_copy(update={"by_condition": True})
    created = PlanCreated(
        **ENVELOPE, spec=spec(step("a", when="plan.inputs.go")), inputs={"go": True}
    )

    body = json.loads(canonical_bytes(created))

    assert json.loads(canonical_bytes(marked))["by_condition"] is True
    assert event_hash(plain) != event_hash(marked)
    assert body["inputs"] == {"go": True}
    assert body["spec"]["steps"][0]["when"] == "plan.inputs.go"
    assert PlanCreated.model_validate(created.model_dump(mode="json")) == created
