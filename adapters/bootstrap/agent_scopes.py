"""The notebook and the plan generator on the configured store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.bootstrap.read_side_scopes import catch_up_read_models
from adapters.bootstrap.service_parts import build_service, open_store
from adapters.settings import Settings
from adapters.system_clock import RandomIds, SystemClock
from core import (
    ChangeHooks,
    NotebookService,
    NotebookTools,
    PlanGenerator,
)


@contextmanager
def notebook(
    settings: Settings,
    name: str,
    *,
    by: str,
    max_subtasks: int | None = None,
    hooks: ChangeHooks | None = None,
    project: bool = True,
    project_each_call: bool = False,
) -> Iterator[NotebookTools]:
    """The tool functions of notebook `name` on the configured store, called as `by`.

    `max_subtasks` (default: the settings') limits the plans created from here; `hooks` see
    every call recorded. With `project`, the read models catch up on the way out; with
    `project_each_call` (a long-running server), after every recorded call too.
    """
    store = open_store(settings)
    limit = max_subtasks if max_subtasks is not None else settings.notebook_max_subtasks
    hooks = hooks or ChangeHooks()
    if project_each_call:
        hooks.register("read models", lambda events: catch_up_read_models(settings, store))
    try:
        watched = hooks.watch(store)
        service = NotebookService(watched, SystemClock(), RandomIds(), max_subtasks=limit)
        yield NotebookTools(service, name, by=by)
    finally:
        if project:
            catch_up_read_models(settings, store)
        store.close()


@contextmanager
def plan_generator(settings: Settings) -> Iterator[PlanGenerator]:
    """A generator asking the model the settings name; the read models catch up on exit."""
    from adapters.llm.drafters import open_drafter  # only `generate` loads the HTTP client

    with open_drafter(settings.llm) as drafter:
        store = open_store(settings)
        try:
            service = build_service(settings, store)
            yield PlanGenerator(service, drafter, store, SystemClock(), RandomIds())
            catch_up_read_models(settings, store)
        finally:
            store.close()
