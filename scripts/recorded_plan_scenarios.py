"""The scenarios `record_history` records: each runs one plan through the service and returns it.

A recorded history is never rewritten, so a scenario changed here only changes future
recordings. Scenarios that need keys or a second store are in `recorded_audit_scenarios`.
"""

from __future__ import annotations

from uuid import UUID

from adapters.expressions import JinjaExpressions
from adapters.system_clock import RandomIds, SystemClock
from core.domain.decisions import apply_decisions, start_execution
from core.domain.plan import fold
from core.domain.ports import EventStore
from core.domain.scheduler import decide
from core.runtime.service import PlanService


def _shell(step_id: str, command: str, **extra: object) -> dict[str, object]:
    return {
        "id": step_id,
        "tool": "shell",
        "parameters": {"command": command, "shell": True},
        **extra,
    }


def cicd_approved(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "name": "cicd",
        "description": "checkout, install, build and lint in parallel, test, deploy",
        "options": {"require_approval": True, "approvers": ["alice"]},
        "steps": [
            _shell("checkout", "echo checkout"),
            _shell("install", "echo install", depends_on=["checkout"]),
            _shell("build", "echo build", depends_on=["install"]),
            _shell("lint", "echo lint", depends_on=["install"]),
            _shell("test", "echo test", depends_on=["build", "lint"]),
            _shell("deploy", "echo deploy", depends_on=["test"], idempotent=False),
        ],
    }
    plan_id = service.create_plan(spec, by="bob")
    service.approve(plan_id, by="alice", comment="ship it")
    service.execute(plan_id)
    return plan_id


def retried_then_failed(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "a flaky step retries twice with backoff, then fails; downstream is skipped",
        "steps": [
            {"id": "prepare", "tool": "echo", "parameters": {"value": {"ok": True}}},
            _shell(
                "flaky",
                "echo trying >&2; exit 3",
                depends_on=["prepare"],
                max_retries=2,
                retry_delay_ms=20,
                retry_backoff=2.0,
            ),
            _shell("publish", "echo publish", depends_on=["flaky"]),
            {"id": "independent", "tool": "sleep", "parameters": {"ms": 1}},
        ],
    }
    return service.run(spec, by="carol").plan_id


def partial_on_error(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "continue_on_error: one branch fails, the other completes",
        "options": {"continue_on_error": True},
        "steps": [
            _shell("broken", "exit 1"),
            _shell("after-broken", "echo never", depends_on=["broken"]),
            {"id": "fine", "tool": "echo", "parameters": {"value": 42}},
            {
                "id": "after-fine",
                "tool": "echo",
                "parameters": {"value": "done"},
                "depends_on": ["fine"],
            },
        ],
    }
    return service.run(spec, by="dave").plan_id


def resumed_after_crash(service: PlanService, store: EventStore) -> UUID:
    """Two attempts left running by a 'dead' engine; resume re-runs one and fails the other."""
    spec = {
        "description": "resume after a crash: idempotent step re-run, non-idempotent one failed",
        "steps": [
            {"id": "fetch", "tool": "echo", "parameters": {"value": "data"}},
            {
                "id": "charge-card",
                "tool": "echo",
                "parameters": {"value": "charged"},
                "idempotent": False,
            },
            {"id": "report", "tool": "echo", "parameters": {"value": "r"}, "depends_on": ["fetch"]},
        ],
    }
    plan_id = service.create_plan(spec, by="erin")
    clock, ids = SystemClock(), RandomIds()
    plan = fold(store.load(plan_id))
    events = start_execution(plan, now=clock.now(), correlation_id=ids.new_id())
    store.append(events)
    plan = fold(store.load(plan_id))
    schedule = decide(plan, clock.now(), JinjaExpressions())
    store.append(
        apply_decisions(
            plan,
            schedule.decisions,
            now=clock.now(),
            worker="dead-worker",
            correlation_id=ids.new_id(),
        )
    )
    service.resume(plan_id, by="erin")
    return plan_id


def quarantined_after_crashes(service: PlanService, store: EventStore) -> UUID:
    """An attempt left running by engines that kept crashing; a worker sets the plan aside."""
    spec = {
        "description": "a plan whose processing crashed its engines three times",
        "steps": [
            {"id": "first", "tool": "echo", "parameters": {"value": 1}},
            {"id": "second", "tool": "echo", "parameters": {"value": 2}, "depends_on": ["first"]},
        ],
    }
    plan_id = service.create_plan(spec, by="erin")
    clock, ids = SystemClock(), RandomIds()
    plan = fold(store.load(plan_id))
    store.append(start_execution(plan, now=clock.now(), correlation_id=ids.new_id()))
    plan = fold(store.load(plan_id))
    schedule = decide(plan, clock.now(), JinjaExpressions())
    store.append(
        apply_decisions(
            plan, schedule.decisions, now=clock.now(), worker="w-dead", correlation_id=ids.new_id()
        )
    )
    service.quarantine(plan_id, by="w-2", crashes=3, reason="MemoryError: out of memory")
    return plan_id


def cancelled_while_waiting(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "cancelled while waiting for approval",
        "options": {"require_approval": True},
        "steps": [{"id": "only", "tool": "echo", "parameters": {"value": 1}}],
    }
    plan_id = service.create_plan(spec, by="frank")
    service.cancel(plan_id, by="grace", reason="superseded by a newer plan")
    return plan_id


def _echo(step_id: str, value: object, *depends_on: str, **extra: object) -> dict[str, object]:
    return {
        "id": step_id,
        "tool": "echo",
        "parameters": {"value": value},
        "depends_on": list(depends_on),
        **extra,
    }


def data_passing_with_conditions(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "inputs, templates, a false condition, trigger rules, a template error",
        "options": {"continue_on_error": True},
        "inputs_schema": {
            "type": "object",
            "properties": {"env": {"enum": ["qa", "prod"]}},
            "required": ["env"],
        },
        "steps": [
            _echo("fetch", {"rows": 3, "env": "{{ plan.inputs.env }}"}),
            _echo("transform", "{{ steps.fetch.result.rows }}", "fetch"),
            _echo("publish", "published", "transform", when="plan.inputs.env == 'prod'"),
            _echo("audit", "{{ steps.publish.status }}", "publish", trigger="none_failed"),
            _echo("broken", "{{ steps.fetch.result.missing }}", "fetch"),
            _echo("cleanup", "cleaned", "broken", trigger="one_failed"),
            _echo("after-broken", "never", "broken"),
        ],
        "outputs": {
            "rows": "{{ steps.transform.result }}",
            "lost": "{{ steps['after-broken'].result.x }}",
        },
    }
    return service.run(spec, by="heidi", inputs={"env": "qa"}).plan_id


def revised_while_waiting(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "revised while it waits for approval",
        "options": {"require_approval": True},
        "steps": [_echo("fetch", "f"), _echo("build", "b", "fetch"), _echo("docs", "d", "fetch")],
    }
    plan_id = service.create_plan(spec, by="ivan")
    service.add_step(
        plan_id, _echo("ship", "{{ steps.build.result }}", "build"), by="judy", reason="ship it"
    )
    service.revise_step(plan_id, "build", {"max_retries": 2}, by="judy", reason="flaky")
    service.remove_step(plan_id, "docs", by="ken", reason="docs are built elsewhere")
    service.approve(plan_id, by="ken")
    return plan_id


def operated_retry_and_skip(service: PlanService, store: EventStore) -> UUID:
    """Paused and unpaused; a failure retried (the plan reopened), then, failing again, skipped."""
    spec = {
        "description": "operator controls: pause, retry, skip",
        "steps": [
            _shell("flaky", "exit 1"),
            _shell("after", "echo after", depends_on=["flaky"]),
            _shell("last", "echo last", depends_on=["after"]),
        ],
    }
    plan_id = service.create_plan(spec, by="ivan")
    service.pause(plan_id, by="olga", reason="change freeze")
    service.unpause(plan_id, by="olga", reason="freeze over")
    service.execute(plan_id)
    service.retry(plan_id, "flaky", by="olga", reason="maybe transient")
    service.execute(plan_id)
    service.skip(plan_id, "flaky", by="olga", reason="not needed today")
    service.execute(plan_id)
    return plan_id


def forked_from_failed(service: PlanService, store: EventStore) -> UUID:
    steps = [
        _echo("fetch", "f"),
        _shell("check", "exit 3", depends_on=["fetch"]),
        _echo("ship", "s", "check"),
        _echo("docs", "d", "fetch"),
    ]
    spec = {"description": "a failed check, fixed in a fork", "steps": steps}
    source = service.run(spec, by="liam", inputs={}).plan_id
    steps[1] = _shell("check", "exit 0", depends_on=["fetch"])
    fork_id = service.fork(source, from_step="check", by="mia", spec={**spec, "steps": steps})
    service.execute(fork_id)
    return fork_id


def map_reduce_with_a_bad_item(service: PlanService, store: EventStore) -> UUID:
    spec = {
        "description": "a for_each map with an item whose parameters fail, an empty map, a reduce",
        "options": {"continue_on_error": True, "max_parallel_steps": 2},
        "steps": [
            _echo("list", [{"n": 1}, {"n": 2}, {"x": 0}, {"n": 4}]),
            _echo("map", "{{ item.n * 10 }}", "list", for_each="{{ steps.list.result }}"),
            _echo("none", "{{ item }}", "list", for_each="{{ [] }}"),
            _echo("reduce", "{{ steps.map.result | select | list }}", "map", trigger="all_done"),
        ],
    }
    return service.run(spec, by="ivan").plan_id


def _nested_run(service: PlanService) -> tuple[UUID, UUID]:
    """A parent whose one plan step completes with its child's outputs and another fails."""
    child = {
        "description": "deploy one service",
        "inputs_schema": {"type": "object", "required": ["service"]},
        "steps": [_echo("migrate", "{{ plan.inputs.service }} migrated")],
        "outputs": {"migrated": "{{ steps.migrate.result }}"},
    }
    broken = {"description": "a child that fails", "steps": [_shell("boom", "exit 2")]}
    spec = {
        "description": "sub-plans: one child completes, one fails; later steps read the outputs",
        "options": {"continue_on_error": True},
        "steps": [
            {"id": "deploy", "plan": child, "inputs": {"service": "api"}},
            {"id": "broken", "plan": broken},
            _echo("announce", "{{ steps.deploy.result.migrated }}", "deploy"),
        ],
    }
    plan = service.run(spec, by="ivan")
    child_id = plan.steps["deploy"].child_plan_id
    assert child_id is not None
    return plan.plan_id, child_id


def sub_plan_parent(service: PlanService, store: EventStore) -> UUID:
    return _nested_run(service)[0]


def sub_plan_child(service: PlanService, store: EventStore) -> UUID:
    return _nested_run(service)[1]


CALLER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _traced_run(service: PlanService) -> tuple[UUID, UUID]:
    """A plan created with its caller's traceparent; its child records its attempt's context."""
    child = {"description": "a traced child", "steps": [_echo("inner", "in the child")]}
    spec = {
        "description": "created with a W3C traceparent; a sub-plan continues the trace",
        "steps": [_echo("outer", "o"), {"id": "nested", "plan": child, "depends_on": ["outer"]}],
    }
    plan_id = service.create_plan(spec, by="nina", traceparent=CALLER_TRACEPARENT)
    plan = service.execute(plan_id)
    child_id = plan.steps["nested"].child_plan_id
    assert child_id is not None
    return plan_id, child_id


def traced_from_caller(service: PlanService, store: EventStore) -> UUID:
    return _traced_run(service)[0]


def traced_child(service: PlanService, store: EventStore) -> UUID:
    return _traced_run(service)[1]


def large_results_and_secrets(service: PlanService, store: EventStore) -> UUID:
    """Every additive field no earlier history sets: a result and an output stored by reference
    (`result_ref`, `output_refs`), a secret input (`sealed_inputs`), and the bounds on maps and
    sub-plans (`max_for_each_items`, `max_sub_plan_depth`); `echo` runs inline."""
    spec = {
        "description": "large results, a secret input and bounded options",
        "options": {"max_for_each_items": 50, "max_sub_plan_depth": 2},
        "inputs_schema": {
            "type": "object",
            "properties": {
                "token": {"type": "string", "writeOnly": True, "format": "password"},
                "who": {"type": "string"},
            },
            "required": ["token"],
        },
        "steps": [
            _echo("big", "{{ 'x' * 70000 }}"),
            _echo("greet", "hello {{ plan.inputs.who }}", "big"),
            _echo("use", "{{ plan.inputs.token }}", "greet"),
        ],
        "outputs": {"long": "{{ steps.greet.result * 8000 }}", "used": "{{ steps.use.result }}"},
    }
    inputs = {"token": "s3cret-token", "who": "ivan"}
    return service.run(spec, by="ivan", inputs=inputs).plan_id


def _refs_run(service: PlanService) -> tuple[UUID, UUID, UUID]:
    """Large values travelling by reference, and a secret reaching a sub-plan: a plan step's
    output stored apart (`StepCompleted.output_refs`), a map item's (`StepsGathered.item_refs`),
    a child's secret input sealed under the root's key (`SealedInputs.key_plan_id`); then a fork
    reusing all three (`StepResultReused`'s refs). The source, its child and the fork."""
    secret = {"type": "string", "writeOnly": True, "format": "password"}
    child = {
        "description": "a child with a secret input and a large output",
        "inputs_schema": {"type": "object", "properties": {"token": secret}, "required": ["token"]},
        "steps": [_echo("use", "{{ plan.inputs.token | length }}")],
        "outputs": {"big": "{{ 'y' * 70000 }}", "used": "{{ steps.use.result }}"},
    }
    spec = {
        "description": "large values through a sub-plan, a map and a fork; a secret to a child",
        "inputs_schema": {"type": "object", "properties": {"token": secret}, "required": ["token"]},
        "steps": [
            _echo("big", "{{ 'x' * 70000 }}"),
            {"id": "child", "plan": child, "inputs": {"token": "{{ plan.inputs.token }}"}},
            _echo("map", "{{ 'z' * 70000 if item == 2 else item }}", for_each="{{ [1, 2] }}"),
            _echo(
                "sizes",
                "{{ steps.big.result | length }} {{ steps.child.result.big | length }} "
                "{{ steps.map.result[1] | length }}",
                "big",
                "child",
                "map",
            ),
        ],
    }
    source = service.run(spec, by="olga", inputs={"token": "s3cret-token"})
    child_id = source.steps["child"].child_plan_id
    assert child_id is not None
    fork_id = service.fork(source.plan_id, from_step="sizes", by="olga")
    service.execute(fork_id)
    return source.plan_id, child_id, fork_id


def refs_through_sub_plan_and_map(service: PlanService, store: EventStore) -> UUID:
    return _refs_run(service)[0]


def secret_sealed_for_a_child(service: PlanService, store: EventStore) -> UUID:
    return _refs_run(service)[1]


def forked_reusing_refs(service: PlanService, store: EventStore) -> UUID:
    return _refs_run(service)[2]
