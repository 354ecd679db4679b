"""The sleep tool waits for real and stops when cancelled; echo returns its value unchanged."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from adapters.tools.echo_tool import EchoParameters, run_echo
from adapters.tools.sleep_tool import SleepParameters, run_sleep
from core.domain.errors import ToolFailedError
from core.domain.json_value import JsonValue
from tests.integration.tool_calls import DEADLINE_SECONDS, make_context


@pytest.fixture
def in_background() -> Iterator[Callable[[Callable[[], JsonValue]], Future[JsonValue]]]:
    with ThreadPoolExecutor(max_workers=1) as executor:
        yield executor.submit


def test_sleep_waits_and_reports_how_long() -> None:
    params = SleepParameters(ms=20)

    started = time.monotonic()
    result = run_sleep(params, make_context())

    assert result == {"slept_ms": 20}
    assert time.monotonic() - started >= 0.02


def test_sleep_stops_early_when_cancelled(
    in_background: Callable[[Callable[[], JsonValue]], Future[JsonValue]],
) -> None:
    context = make_context()
    call = in_background(lambda: run_sleep(SleepParameters(ms=30_000), context))

    context.cancelled.set()
    with pytest.raises(ToolFailedError) as caught:
        call.result(timeout=DEADLINE_SECONDS)

    assert caught.value.error_type == "cancelled"


@pytest.mark.parametrize("ms", [-1, 86_400_001])
def test_sleep_parameters_reject_a_duration_out_of_range(ms: int) -> None:
    with pytest.raises(ValidationError):
        SleepParameters(ms=ms)


# echo


@pytest.mark.parametrize("value", [None, 0, "text", [1, 2.5, True], {"a": {"b": [None]}}])
def test_echo_returns_its_value_unchanged(value: JsonValue) -> None:
    params = EchoParameters(value=value)

    result = run_echo(params, make_context())

    assert result == value


def test_echo_parameters_require_a_value() -> None:
    with pytest.raises(ValidationError):
        EchoParameters.model_validate({})


def test_echo_parameters_reject_a_value_that_is_not_json() -> None:
    with pytest.raises(ValidationError):
        EchoParameters(value=threading.Event())
