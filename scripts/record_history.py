"""Record a scenario's event history as a replay fixture under tests/replay/histories/.

Each fixture is the plan's stored rows exactly as the event store keeps them (topic, class
version and JSON state), one per line, plus `<name>.expected.json`: the plan as folded at the
end. Recorded histories are never rewritten: this script refuses to overwrite a fixture. Rows
recorded since events are signed carry the key id and signature of a throw-away key.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.expressions import JinjaExpressions
from adapters.json_schema_checker import JsonSchemaChecker
from adapters.secrets import EnvelopeVault, init_master_key
from adapters.secrets.data_keys import MemoryDataKeys
from adapters.signing import EventSigner, key_id_of
from adapters.store import open_event_store, parse_store_url
from adapters.store.blob_store import MemoryBlobs
from adapters.system_clock import RandomIds, SystemClock
from adapters.tools import builtin_registry
from core.domain.notebook import fold_notebook, notebook_view
from core.domain.plan import fold
from core.domain.plan_view import plan_view
from core.domain.ports import EventStore
from core.runtime.large_results import LargeResults
from core.runtime.service import PlanService

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recorded_audit_scenarios import (
    approval_voided_by_revision,
    quarantined_after_a_forgery,
)
from recorded_plan_scenarios import (
    cancelled_while_waiting,
    cicd_approved,
    data_passing_with_conditions,
    forked_from_failed,
    forked_reusing_refs,
    large_results_and_secrets,
    map_reduce_with_a_bad_item,
    operated_retry_and_skip,
    partial_on_error,
    quarantined_after_crashes,
    refs_through_sub_plan_and_map,
    resumed_after_crash,
    retried_then_failed,
    revised_while_waiting,
    secret_sealed_for_a_child,
    sub_plan_child,
    sub_plan_parent,
    traced_child,
    traced_from_caller,
)

FOLDER = Path(__file__).resolve().parent.parent / "tests" / "replay" / "histories"


SCENARIOS: dict[str, Callable[[PlanService, EventStore], UUID]] = {
    "cicd_approved": cicd_approved,
    "retried_then_failed": retried_then_failed,
    "partial_on_error": partial_on_error,
    "resumed_after_crash": resumed_after_crash,
    "cancelled_while_waiting": cancelled_while_waiting,
    "data_passing_with_conditions": data_passing_with_conditions,
    "revised_while_waiting": revised_while_waiting,
    "forked_from_failed": forked_from_failed,
    "map_reduce_with_a_bad_item": map_reduce_with_a_bad_item,
    "sub_plan_parent": sub_plan_parent,
    "sub_plan_child": sub_plan_child,
    "operated_retry_and_skip": operated_retry_and_skip,
    "traced_from_caller": traced_from_caller,
    "traced_child": traced_child,
    "approval_voided_by_revision": approval_voided_by_revision,
    "quarantined_after_a_forgery": quarantined_after_a_forgery,
    "quarantined_after_crashes": quarantined_after_crashes,
    "large_results_and_secrets": large_results_and_secrets,
    "refs_through_sub_plan_and_map": refs_through_sub_plan_and_map,
    "secret_sealed_for_a_child": secret_sealed_for_a_child,
    "forked_reusing_refs": forked_reusing_refs,
}


def _shared() -> ModuleType:
    sys.path.insert(0, str(FOLDER.parents[2]))  # scenarios shared with tests/integration
    return importlib.import_module("tests.integration.notebook_scenarios")


SCENARIOS["generated_with_repair"] = lambda service, store: _shared().generated_plan(
    service, store, SystemClock(), RandomIds()
)
NOTEBOOK_SCENARIOS: dict[str, Callable[[PlanService, EventStore], UUID]] = {
    "notebook_every_call": lambda service, store: _shared().every_notebook_call(
        store, SystemClock(), RandomIds()
    ),
}  # recorded under histories/notebooks/, the notebook's view as the expected outcome


def record(name: str) -> None:
    notebook = name in NOTEBOOK_SCENARIOS
    folder = FOLDER / "notebooks" if notebook else FOLDER
    history_path = folder / f"{name}.jsonl"
    expected_path = folder / f"{name}.expected.json"
    if history_path.exists() or expected_path.exists():
        sys.exit(f"{history_path.name} exists: recorded histories are never rewritten")
    key = Ed25519PrivateKey.generate()
    signer = EventSigner(key_id_of(key.public_key()), key)
    store = open_event_store(parse_store_url("memory://"), signer=signer)
    blobs = MemoryBlobs()
    with tempfile.TemporaryDirectory() as keys:  # a throw-away master key for secret inputs
        master_key = str(Path(keys) / "master.key")
        init_master_key(master_key)
        service = PlanService(
            store,
            builtin_registry(),
            SystemClock(),
            RandomIds(),
            expressions=JinjaExpressions(blobs),
            json_schemas=JsonSchemaChecker(),
            worker="recorder",
            secrets=EnvelopeVault(master_key, MemoryDataKeys()),
            results=LargeResults(blobs),
        )
        plan_id = {**SCENARIOS, **NOTEBOOK_SCENARIOS}[name](service, store)
    rows = store.application.recorder.select_events(plan_id)
    lines = [
        orjson.dumps(
            {
                "originator_id": str(row.originator_id),
                "originator_version": row.originator_version,
                "topic": row.topic,
                "state": orjson.loads(row.state),
            }
        )
        for row in rows
    ]
    folder.mkdir(parents=True, exist_ok=True)
    history_path.write_bytes(b"\n".join(lines) + b"\n")
    if notebook:
        state = fold_notebook(store.load(plan_id))  # type: ignore[arg-type]
        assert state is not None
        view = notebook_view(state)
    else:
        view = plan_view(fold(store.load(plan_id)))
    expected_path.write_bytes(
        orjson.dumps(view, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )
    print(f"recorded {history_path.name}: {len(lines)} events, version {view['version']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help=f"scenarios (default: all of {', '.join(SCENARIOS)})"
    )
    names = parser.parse_args().names or list(SCENARIOS)
    unknown = [name for name in names if name not in {**SCENARIOS, **NOTEBOOK_SCENARIOS}]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    for name in names:
        record(name)


if __name__ == "__main__":
    main()
