"""`audit verify` reads every blob an event names: which refs `blob_refs` finds in each event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.audit.blob_check import blob_refs
from core.domain.events import StepResultReused, StepsGathered
from core.domain.result_refs import BlobRef
from tests.unit.builders import T0

ITEM = BlobRef.of(b'"' + b"i" * 5000 + b'"')
RESULT = BlobRef.of(b'"' + b"r" * 5000 + b'"')
OUTPUT = BlobRef.of(b'"' + b"o" * 5000 + b'"')


def stamped() -> dict[str, Any]:
    return {
        "originator_id": UUID(int=1),
        "originator_version": 9,
        "timestamp": T0,
        "actor": "engine",
        "correlation_id": UUID(int=2),
    }


def test_a_gathered_steps_item_refs_are_checked() -> None:
    gathered = StepsGathered(
        **stamped(),
        step_id="map",
        result=["A", ITEM.view()],
        failed_items=0,
        duration_ms=3,
        item_refs={1: ITEM},
    )

    refs = blob_refs(gathered)

    assert refs == [ITEM]


def test_a_forks_reused_result_has_each_kind_of_ref_checked() -> None:
    reused = StepResultReused(
        **stamped(),
        step_id="build",
        source_plan_id=UUID(int=7),
        result=RESULT.view(),
        result_ref=RESULT,
        output_refs={"text": OUTPUT},
        item_refs={0: ITEM},
    )

    refs = blob_refs(reused)

    assert refs == [RESULT, OUTPUT, ITEM]
