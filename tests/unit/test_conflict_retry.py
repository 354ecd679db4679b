"""The one retry-on-conflict helper: retry each lost race, give up once with a clear error."""

from __future__ import annotations

import uuid

import pytest

from adapters.cli.exit_codes import CONFLICT, exit_code_for_error
from core.domain.errors import (
    ConcurrencyError,
    ConflictRetriesExhaustedError,
    StoreUnavailableError,
)
from core.runtime.conflict_retry import MAX_CONFLICT_ATTEMPTS, retry_on_conflict

PLAN = uuid.UUID("00000000-0000-4000-8000-0000000000aa")


class Races:
    """An attempt that loses `losses` races, then returns how many attempts it took."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.attempts = 0

    def __call__(self) -> int:
        self.attempts += 1
        if self.attempts <= self.losses:
            raise ConcurrencyError(PLAN, self.attempts)
        return self.attempts


def test_an_attempt_that_loses_races_is_tried_again_until_it_wins() -> None:
    races = Races(losses=25)

    result = retry_on_conflict(PLAN, races)

    assert result == 26
    assert races.attempts == 26


def test_an_attempt_that_wins_at_once_is_tried_once() -> None:
    races = Races(losses=0)

    assert retry_on_conflict(PLAN, races) == 1
    assert races.attempts == 1


def test_losing_every_race_gives_up_with_an_error_naming_the_plan_and_the_attempts() -> None:
    races = Races(losses=MAX_CONFLICT_ATTEMPTS + 1)

    with pytest.raises(ConflictRetriesExhaustedError) as gave_up:
        retry_on_conflict(PLAN, races)

    assert races.attempts == MAX_CONFLICT_ATTEMPTS
    assert gave_up.value.plan_id == PLAN
    assert gave_up.value.attempts == MAX_CONFLICT_ATTEMPTS
    assert str(PLAN) in str(gave_up.value)
    assert f"after {MAX_CONFLICT_ATTEMPTS} attempts" in str(gave_up.value)


def test_the_give_up_error_is_a_concurrency_error_with_the_conflict_exit_code() -> None:
    error = ConflictRetriesExhaustedError(PLAN, 3)

    assert isinstance(error, ConcurrencyError)
    assert exit_code_for_error(error) == CONFLICT


def test_a_nested_give_up_is_passed_on_not_retried() -> None:
    attempts = 0

    def nested() -> None:
        nonlocal attempts
        attempts += 1
        raise ConflictRetriesExhaustedError(uuid.uuid4(), 7)

    with pytest.raises(ConflictRetriesExhaustedError) as gave_up:
        retry_on_conflict(PLAN, nested)

    assert attempts == 1
    assert gave_up.value.attempts == 7


def test_an_error_other_than_a_conflict_is_not_retried() -> None:
    attempts = 0

    def unavailable() -> None:
        nonlocal attempts
        attempts += 1
        raise StoreUnavailableError("memory://", "gone")

    with pytest.raises(StoreUnavailableError):
        retry_on_conflict(PLAN, unavailable)

    assert attempts == 1
