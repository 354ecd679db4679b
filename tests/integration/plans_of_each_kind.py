"""Plans that between them record every event type, for round-trip and read-model tests."""

from __future__ import annotations

import uuid
from uuid import UUID

from core.domain.approval_binding import quarantine
from core.domain.plan import fold
from core.domain.status import PlanStatus
from core.runtime.service import PlanService
from tests.integration.conftest import RandomIds, SystemClock, plan_spec, step
from tests.integration.engine_contract_support import RecordingStore, crash_while_running
from tests.integration.notebook_scenarios import generated_plan


def run_one_plan_of_each_kind(
    service: PlanService, recording: RecordingStore, clock: SystemClock
) -> list[UUID]:
    """Plans that between them record every event type; returns their ids."""
    rejected = service.create_plan(plan_spec(step("a"), require_approval=True), by="alice")
    service.reject(rejected, by="bob", reason="no")
    partial_spec = plan_spec(
        step("flaky", tool="fail", parameters={"times": 1}, max_retries=1),
        step("slow", tool="block", timeout_ms=50),
        step("after-slow", depends_on=["slow"]),
        require_approval=True,
        continue_on_error=True,
    )
    partial = service.run(partial_spec, by="alice", approve_as="bob").plan_id
    failed = service.run(plan_spec(step("bad", tool="fail")), by="alice").plan_id
    resumed = service.create_plan(plan_spec(step("a")), by="alice")
    crash_while_running(service, recording, resumed, clock)
    service.resume(resumed, by="ops")
    cancelled = service.create_plan(plan_spec(step("a"), step("b", depends_on=["a"])), by="alice")
    crash_while_running(service, recording, cancelled, clock)
    service.cancel(cancelled, by="carol", reason="stop")
    passing_spec = plan_spec(
        step("a", parameters={"value": "{{ plan.inputs.word }}"}),
        step("skip", depends_on=["a"], when="steps.a.result.value == 'nope'"),
        step("bad", depends_on=["a"], parameters={"value": "{{ steps.a.result.nope }}"}),
        step("last", depends_on=["skip", "bad"], trigger="all_done"),
        continue_on_error=True,
    )
    passing_spec["outputs"] = {"word": "{{ steps.a.result.value }}"}
    passing = service.run(passing_spec, by="alice", inputs={"word": "hi"}).plan_id
    mapped_spec = plan_spec(
        step("map", for_each="{{ plan.inputs['items'] }}", parameters={"value": "{{ item }}"}),
        step("reduce", depends_on=["map"], parameters={"value": "{{ steps.map.result[1].value }}"}),
    )
    mapped = service.run(mapped_spec, by="alice", inputs={"items": ["x", "y"]}).plan_id
    child_spec = {"description": "child", "steps": [step("inner")], "outputs": {"ok": "yes"}}
    nested = service.run(plan_spec({"id": "outer", "plan": child_spec}), by="alice")
    child = nested.steps["outer"].child_plan_id
    assert child is not None
    poisoned = service.create_plan(plan_spec(step("a")), by="alice")
    service.quarantine(poisoned, by="w-1", crashes=3, reason="MemoryError")
    return [
        rejected,
        partial,
        failed,
        resumed,
        cancelled,
        passing,
        mapped,
        nested.plan_id,
        child,
        poisoned,
        run_an_operated_plan(service),
        *revised_and_forked(service),
        voided_then_quarantined(service, recording, clock),
        generated_plan(service, recording, clock, RandomIds()),
    ]


def voided_then_quarantined(
    service: PlanService, recording: RecordingStore, clock: SystemClock
) -> UUID:
    """Approved, revised (the approval voided), approved again; then quarantined by a writer."""
    plan_id = service.create_plan(
        plan_spec(step("a"), require_approval=True, approvers=["bob"]), by="alice"
    )
    service.approve(plan_id, by="bob")
    service.revise_step(plan_id, "a", {"max_retries": 1}, by="alice", reason="flaky")
    service.approve(plan_id, by="bob")
    plan = fold(recording.load(plan_id))
    recording.append(
        quarantine(
            plan,
            untrusted_version=plan.version,
            reason="a test of the record",
            by="w-2",
            now=clock.now(),
            correlation_id=uuid.uuid4(),
        )
    )
    return plan_id


def revised_and_forked(service: PlanService) -> list[UUID]:
    """A plan revised while it waits for approval, and a fork of a failed plan."""
    revised = service.create_plan(
        plan_spec(step("a"), step("b", depends_on=["a"]), require_approval=True), by="alice"
    )
    service.add_step(revised, step("c", depends_on=["a"]), by="alice", reason="one more")
    service.revise_step(revised, "b", {"max_retries": 1}, by="alice", reason="flaky")
    service.remove_step(revised, "c", by="alice", reason="one too many")
    service.approve(revised, by="bob")
    service.execute(revised)
    source = service.run(
        plan_spec(step("a"), step("bad", tool="fail", depends_on=["a"])), by="alice"
    ).plan_id
    forked = service.fork(source, from_step="bad", by="alice")
    service.execute(forked)
    return [revised, source, forked]


def run_an_operated_plan(service: PlanService) -> UUID:
    """A plan paused and unpaused, then failed; one step retried, another skipped; completed."""
    spec = plan_spec(
        step("flaky", tool="fail", parameters={"times": 1}),
        step("after", depends_on=["flaky"]),
        step("broken", tool="fail", parameters={"times": 9}),
        continue_on_error=True,
    )
    plan_id = service.create_plan(spec, by="alice")
    service.pause(plan_id, by="olga", reason="freeze")
    service.unpause(plan_id, by="olga")
    assert service.execute(plan_id).status is PlanStatus.FAILED
    service.retry(plan_id, "flaky", by="olga", reason="flaky")
    service.skip(plan_id, "broken", by="olga", reason="known")
    assert service.execute(plan_id).status is PlanStatus.COMPLETED
    return plan_id
