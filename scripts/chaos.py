"""Chaos check: worker processes killed with -9 at random moments while they run mixed plans.

It submits plans of mixed shape (chains, wide fans, steps that fail and retry, non-idempotent
steps, for_each maps, sub-plans) whose shell steps append `<token> <step>` to a side-effect log
before they sleep, starts `--workers` workers, and a supervisor SIGKILLs a random worker (with
its tool processes, as a machine that dies) and starts a new one, `--kills` times. Half-way
through the kills it restarts PostgreSQL once (`--restart-postgres CMD`, default
`RESTART_POSTGRES` below), so workers, leases and the event store live through a lost server
too; `--no-restart-postgres` leaves the server alone (the short form in the test suite does:
other users share it). Then it checks and prints:

- every plan is terminal (and every sub-plan of one);
- no step attempt completed twice in the event log;
- every non-idempotent step's side effect happened at most once;
- every completed idempotent step's side effect happened at least once;
- the read models, caught up, equal a rebuild from zero.

Exit 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from adapters.bootstrap import planledger, read_side, work_queue
from adapters.read_models.tables import all_tables
from adapters.settings import Settings
from adapters.store import parse_store_url
from adapters.workers import init_store, submit
from core.domain.events import StepCompleted, StepFailed, StepInterrupted, StepStarted
from core.domain.plan import fold
from core.domain.status import PlanStatus

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
PLANLEDGER = Path(sys.executable).parent / "planledger"
EFFECTS = "effects.log"


@dataclass
class Fleet:
    """The worker processes, started and killed by the supervisor."""

    url: str
    folder: Path
    lease_s: float
    concurrency: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: int = 0

    def start(self) -> str:
        self.started += 1
        name = f"chaos-w{self.started}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANLEDGER_")}
        with (self.folder / f"{name}.err").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                [str(PLANLEDGER), "--store", self.url, "worker", "--id", name,
                 "--lease-s", str(self.lease_s), "--concurrency", str(self.concurrency)],
                cwd=self.folder, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
            )  # fmt: skip
        return name

    def kill_one(self, rng: random.Random) -> str:
        name = rng.choice(sorted(self.processes))
        process = self.processes.pop(name)
        kill_tree(process.pid)
        process.wait(timeout=30)
        return name

    def stop_all(self) -> list[int]:
        codes = []
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            codes.append(process.wait(timeout=120))
        return codes


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (tools run in sessions of their own, out of its group)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything it started, as a machine that dies would."""
    for victim in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


def shell(step_id: str, token: str, command: str, **fields: Any) -> dict[str, Any]:
    effect = f"echo {token} {step_id} >> {EFFECTS}; {command}"
    return {
        "id": step_id,
        "tool": "shell",
        "parameters": {"command": effect, "shell": True},
        **fields,
    }


def mixed_spec(index: int, token: str, rng: random.Random) -> dict[str, Any]:
    """Chains, fans, retries, non-idempotent steps, for_each maps and sub-plans, in turn."""
    nap = f"sleep {rng.choice(['0.05', '0.1', '0.3', '0.6'])}"
    shape = index % 6
    if shape == 0:
        steps = [
            shell(f"c{i}", token, nap, depends_on=[f"c{i - 1}"] if i else []) for i in range(5)
        ]
    elif shape == 1:
        steps = [shell("root", token, nap)]
        steps += [shell(f"f{i}", token, nap, depends_on=["root"]) for i in range(8)]
    elif shape == 2:
        flaky = f"if [ -e {token}.flaky ]; then {nap}; else touch {token}.flaky; exit 3; fi"
        steps = [shell("flaky", token, flaky, max_retries=2, retry_delay_ms=50)]
        steps += [shell("after", token, nap, depends_on=["flaky"])]
    elif shape == 3:
        steps = [shell("prepare", token, nap)]
        steps += [shell("charge", token, nap, depends_on=["prepare"], idempotent=False)]
        steps += [shell("notify", token, nap, depends_on=["charge"])]
    elif shape == 4:
        item = shell("map[{{ index }}]", token, nap)
        steps = [shell("list", token, nap)]
        steps += [
            {**item, "id": "map", "depends_on": ["list"], "for_each": "{{ [0, 1, 2, 3, 4, 5] }}"}
        ]
        steps += [shell("reduce", token, nap, depends_on=["map"])]
    else:
        child = {
            "description": f"chaos child of {index}",
            "steps": [shell("sub-a", token, nap), shell("sub-b", token, nap, depends_on=["sub-a"])],
        }
        steps = [{"id": "deploy", "plan": child}, shell("after", token, nap, depends_on=["deploy"])]
    return {
        "description": f"chaos plan {index}",
        "options": {"max_parallel_steps": 4},
        "steps": steps,
    }


def read_model_rows(dsn: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as connection:
        return {
            spec.name: connection.execute(
                f"SELECT * FROM {schema}.{spec.name} ORDER BY {', '.join(spec.key)}"
            ).fetchall()
            for spec in all_tables()
        }


RESTART_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"
"""How the full run restarts the local server mid-run (the cluster of this machine's version)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--plans", type=int, default=200)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--lease-s", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout-s", type=float, default=600.0)
    restart = parser.add_mutually_exclusive_group()
    restart.add_argument(
        "--restart-postgres",
        default=RESTART_POSTGRES,
        metavar="CMD",
        help="shell command that restarts PostgreSQL once mid-run (default: %(default)s)",
    )
    restart.add_argument(
        "--no-restart-postgres",
        dest="restart_postgres",
        action="store_const",
        const=None,
        help="never restart the server (it is shared)",
    )
    parser.add_argument(
        "--postgres", default=os.environ.get("PLANLEDGER_TEST_POSTGRES", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    schema = f"chaos_{uuid.uuid4().hex[:10]}"
    url = f"{args.postgres}?schema={schema}"
    restarts = "a PostgreSQL restart" if args.restart_postgres else "no PostgreSQL restart"
    print(
        f"chaos: seed {seed}, {args.plans} plans, {args.workers} workers, {args.kills} kills, "
        f"{restarts}"
    )
    try:
        with tempfile.TemporaryDirectory() as name:
            return run(args, rng, url, schema, Path(name))
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def run(args: argparse.Namespace, rng: random.Random, url: str, schema: str, folder: Path) -> int:
    settings = Settings(store_url=url, actor="chaos", worker_id="chaos-submit")
    init_store(parse_store_url(url))
    with work_queue(settings, "submit") as queue, planledger(settings, create_tables=False) as svc:
        plan_ids = {}
        for index in range(args.plans):
            token = f"p{index:04}"
            plan_ids[token] = submit(
                svc, queue, mixed_spec(index, token, rng), by="chaos", key=token, approve_as=None,
                new_id=uuid.uuid4(),
            )  # fmt: skip
    fleet = Fleet(url, folder, args.lease_s, args.concurrency)
    for _ in range(args.workers):
        fleet.start()
    deadline = time.monotonic() + args.timeout_s
    restart_at = args.kills // 2 if args.restart_postgres else -1
    for kill in range(args.kills):
        time.sleep(rng.uniform(0.2, 1.5))
        fleet.kill_one(rng)
        fleet.start()
        if kill == restart_at:
            subprocess.run(args.restart_postgres, shell=True, check=True)
            print("postgresql restarted")
    with psycopg.connect(args.postgres, autocommit=True) as watch:
        while True:
            row = watch.execute(f"SELECT count(*) FROM {schema}.planledger_work WHERE NOT done")
            left = row.fetchone()
            if left is not None and left[0] == 0:
                break
            if time.monotonic() > deadline:
                print(f"FAILED: {left[0] if left else '?'} plans still open at the deadline")
                return 1
            time.sleep(0.1)
    exit_codes = fleet.stop_all()
    return check(settings, url, schema, folder, plan_ids, exit_codes, fleet.started)


def check(
    settings: Settings,
    url: str,
    schema: str,
    folder: Path,
    plan_ids: dict[str, uuid.UUID],
    exit_codes: list[int],
    started: int,
) -> int:
    effects = Counter(tuple(line.split()) for line in (folder / EFFECTS).read_text().splitlines())
    statuses: Counter[str] = Counter()
    doubled = over_once = missing = takeovers = rerun = failed_interrupted = open_children = 0
    with planledger(settings, create_tables=False) as svc:
        for token, root_id in plan_ids.items():
            family = [root_id]  # the plan and its sub-plans, which share its token
            while family:
                history = svc.history(family.pop())
                plan = fold(history)
                if plan.parent_plan_id is None:
                    statuses[plan.status.value] += 1
                else:
                    open_children += not plan.is_terminal
                family += [s.child_plan_id for s in plan.steps.values() if s.child_plan_id]
                completions = Counter(
                    (e.step_id, e.attempt) for e in history if isinstance(e, StepCompleted)
                )
                doubled += sum(1 for count in completions.values() if count > 1)
                workers = {e.worker for e in history if isinstance(e, StepStarted)}
                takeovers += len(workers) > 1
                rerun += sum(isinstance(e, StepInterrupted) for e in history)
                failed_interrupted += sum(
                    isinstance(e, StepFailed) and e.error_type == "interrupted" for e in history
                )
                for step_id, step in plan.steps.items():
                    if step.spec.is_sub_plan or step.spec.for_each is not None:
                        continue  # no tool call of its own: its child plan or items have effects
                    done = sum(n for (s, _), n in completions.items() if s == step_id)
                    seen = effects[(token, step_id)]
                    if not step.spec.idempotent:
                        over_once += seen > 1
                    else:
                        missing += seen < done
    terminal = sum(n for s, n in statuses.items() if PlanStatus(s).is_terminal)
    dsn = url.split("?")[0]
    with read_side(settings) as side:
        side.catch_up()
        before = read_model_rows(dsn, schema)
        side.rebuild()
        after = read_model_rows(dsn, schema)
    views_equal = before == after
    print(f"workers started: {started}, stopped with exit codes {sorted(set(exit_codes))}")
    print(f"plans terminal: {terminal}/{len(plan_ids)} {dict(statuses)}")
    print(f"sub-plans not ended: {open_children}")
    print(f"plans run by more than one worker: {takeovers}")
    print(f"attempts cut off by a kill: {rerun} re-run (idempotent), {failed_interrupted} failed")
    print(f"step attempts completed twice: {doubled}")
    print(f"non-idempotent side effects seen more than once: {over_once}")
    print(f"completed idempotent steps without their side effect: {missing}")
    print(f"read models equal a rebuild: {views_equal}")
    ok = (
        terminal == len(plan_ids)
        and open_children == 0
        and doubled == 0
        and over_once == 0
        and missing == 0
        and views_equal
        and set(exit_codes) <= {0}
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
