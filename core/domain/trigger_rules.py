"""Trigger rules: when a step runs, given how its dependencies ended (pure).

Each dependency ends in one of three ways, as in Airflow:

- `success`: it completed;
- `failed`: it failed, was cancelled, or was skipped because of a failure upstream (or because
  the plan stopped or was cancelled) — Airflow's `failed` and `upstream_failed`;
- `skipped`: it was skipped by its own `when`, or skipped because a skip propagated to it.

| rule          | runs when                          | skipped (counted as) when                |
|---------------|------------------------------------|------------------------------------------|
| `all_success` | every dependency succeeded         | one failed (failed), one skipped (skipped) |
| `all_done`    | every dependency ended             | never                                    |
| `one_success` | one dependency succeeded           | all ended, none succeeded: failed if one |
|               |                                    | failed, else skipped                     |
| `one_failed`  | one dependency failed              | all ended, none failed (skipped)         |
| `none_failed` | all ended, none failed (skips ok)  | one failed (failed)                      |

A rule decides as soon as the outcome is certain: `one_success` runs at the first success
while other dependencies still run. A step without dependencies is ready at once whatever its
rule. Under `stop_on_error` (the default) a failure stops the plan before any rule is consulted,
so the rules that react to failure matter with `continue_on_error: true`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class TriggerRule(StrEnum):
    """When a step runs, given how its dependencies ended."""

    ALL_SUCCESS = "all_success"
    ALL_DONE = "all_done"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    NONE_FAILED = "none_failed"


class Ending(Enum):
    """How a dependency ended, as trigger rules see it."""

    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"


class Verdict(Enum):
    """What a rule says now: wait for more dependencies, run, or skip (as failed or skipped)."""

    WAIT = "wait"
    RUN = "run"
    SKIP_AS_FAILED = "skip_as_failed"
    SKIP_AS_SKIPPED = "skip_as_skipped"


@dataclass
class Tally:
    """How many of a step's `total` dependencies ended, by ending."""

    total: int
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def done(self) -> int:
        """Dependencies that ended, however."""
        return self.succeeded + self.failed + self.skipped

    def count(self, ending: Ending) -> None:
        """One more dependency ended this way."""
        if ending is Ending.SUCCESS:
            self.succeeded += 1
        elif ending is Ending.FAILED:
            self.failed += 1
        else:
            self.skipped += 1

    def uncount(self, ending: Ending) -> None:
        """A dependency counted before is pending again (an operator reopened it)."""
        if ending is Ending.SUCCESS:
            self.succeeded -= 1
        elif ending is Ending.FAILED:
            self.failed -= 1
        else:
            self.skipped -= 1


def verdict(rule: TriggerRule, tally: Tally) -> Verdict:
    """What `rule` says about a step whose dependencies ended as `tally` counts."""
    all_done = tally.done >= tally.total
    match rule:
        case TriggerRule.ALL_SUCCESS:
            if tally.failed:
                return Verdict.SKIP_AS_FAILED
            if tally.skipped:
                return Verdict.SKIP_AS_SKIPPED
            return Verdict.RUN if all_done else Verdict.WAIT
        case TriggerRule.ALL_DONE:
            return Verdict.RUN if all_done else Verdict.WAIT
        case TriggerRule.ONE_SUCCESS:
            if tally.succeeded:
                return Verdict.RUN
            if not all_done:
                return Verdict.WAIT
            return Verdict.SKIP_AS_FAILED if tally.failed else Verdict.SKIP_AS_SKIPPED
        case TriggerRule.ONE_FAILED:
            if tally.failed:
                return Verdict.RUN
            return Verdict.SKIP_AS_SKIPPED if all_done else Verdict.WAIT
        case TriggerRule.NONE_FAILED:
            if tally.failed:
                return Verdict.SKIP_AS_FAILED
            return Verdict.RUN if all_done else Verdict.WAIT
