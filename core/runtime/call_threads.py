"""Daemon threads for tool calls: an abandoned call never blocks new calls or the process exit.

`concurrent.futures.ThreadPoolExecutor` would do, but for two things: its threads are joined
when the interpreter exits, so one tool that ignores cancellation would hang the CLI after a
timeout; and a timed-out call keeps its slot, so the next attempt could queue behind it and
time out without ever running. Here an idle thread is reused and a busy one is never waited for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")

_Task = tuple[Future[T], Callable[[], T]] | None


class CallThreads(Generic[T]):
    """Runs zero-argument calls on daemon threads, reusing idle ones."""

    def __init__(self, name: str = "planledger-call") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._idle: list[SimpleQueue[_Task[T]]] = []
        self._closed = False
        self._count = 0

    def submit(self, call: Callable[[], T]) -> Future[T]:
        """Run `call` on an idle thread, or on a new one if none is idle."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("call threads are shut down")
            inbox = self._idle.pop() if self._idle else None
            if inbox is None:
                inbox = SimpleQueue()
                self._count += 1
                threading.Thread(
                    target=self._serve,
                    args=(inbox,),
                    name=f"{self._name}-{self._count}",
                    daemon=True,
                ).start()
        inbox.put((future, call))
        return future

    def shutdown(self) -> None:
        """Let idle threads end; busy ones end when their call returns."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)

    def _serve(self, inbox: SimpleQueue[_Task[T]]) -> None:
        while (task := inbox.get()) is not None:
            future, call = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(call())
                except BaseException as error:  # handed to the waiting side, never lost
                    future.set_exception(error)
            with self._lock:
                if self._closed:
                    return
                self._idle.append(inbox)
