"""Committing one batch in a thread while the projector works out the next one.

A batch's upserts and commit are PostgreSQL's work, on the other core; the projector's decoding
and projections are this process's. Waiting for one before starting the other left both idle
a third of the time. At most one batch is in flight, and the caller settles it (takes its
outcome) before it hands over the next, so commits stay in order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, Self, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class WriteBehind(Generic[K, T]):
    """Runs one piece of work at a time, in a background thread or at once; `K` names it."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[K, Future[T]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def put(self, key: K, work: Callable[[], T], *, background: bool) -> None:
        """Start `work`: in the thread when more follows, else here (no thread for a tail)."""
        assert self._pending is None, "settle the batch in flight first"
        if background:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="projector-write")
            self._pending = (key, self._pool.submit(work))
            return
        done: Future[T] = Future()
        try:
            done.set_result(work())
        except Exception as error:
            done.set_exception(error)
        self._pending = (key, done)

    def take(self) -> tuple[K, Future[T]] | None:
        """The work in flight and its future (result or exception), if any; frees the slot."""
        pending, self._pending = self._pending, None
        return pending
