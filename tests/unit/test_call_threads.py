"""CallThreads: daemon threads for tool calls that never block new calls or the exit."""

from __future__ import annotations

import threading

import pytest

from core.runtime.call_threads import CallThreads


def test_sequential_calls_reuse_one_idle_thread() -> None:
    threads: CallThreads[str] = CallThreads("reuse-test")

    results = [threads.submit(lambda: threading.current_thread().name).result(5) for _ in range(5)]

    assert len(set(results)) == 1
    threads.shutdown()


def test_a_call_that_never_returns_does_not_block_the_next_one() -> None:
    threads: CallThreads[str] = CallThreads("stuck-test")
    release = threading.Event()
    stuck = threads.submit(lambda: "stuck" if release.wait(10) else "timed out")

    second = threads.submit(lambda: "second").result(5)

    assert second == "second"
    assert not stuck.done()
    release.set()
    assert stuck.result(5) == "stuck"
    threads.shutdown()


def test_threads_are_daemons_so_an_abandoned_call_cannot_hold_the_process() -> None:
    threads: CallThreads[bool] = CallThreads("daemon-test")

    is_daemon = threads.submit(lambda: threading.current_thread().daemon).result(5)

    assert is_daemon
    threads.shutdown()


def test_an_exception_reaches_the_future() -> None:
    threads: CallThreads[None] = CallThreads("error-test")

    def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        threads.submit(boom).result(5)
    threads.shutdown()


def test_shutdown_ends_idle_threads_and_refuses_new_calls() -> None:
    threads: CallThreads[int] = CallThreads("shutdown-test")
    threads.submit(lambda: 1).result(5)
    alive = [t for t in threading.enumerate() if t.name.startswith("shutdown-test")]

    threads.shutdown()

    for thread in alive:
        thread.join(timeout=5)
        assert not thread.is_alive()
    with pytest.raises(RuntimeError, match="shut down"):
        threads.submit(lambda: 2)
