"""The model provider the settings name, opened with its HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from adapters.llm.chat_completions import ChatCompletionsDrafter
from adapters.llm.llm_settings import DEFAULT_BASE_URLS, LlmSettings, LlmSettingsError
from adapters.llm.messages_api import MessagesApiDrafter
from core import PlanDrafter

TIMEOUT_S = 120.0


@contextmanager
def open_drafter(settings: LlmSettings) -> Iterator[PlanDrafter]:
    """The provider the settings name, with its HTTP client (closed on exit)."""
    if settings.provider not in DEFAULT_BASE_URLS:
        raise LlmSettingsError(
            f"PLANLEDGER_LLM_PROVIDER {settings.provider!r}: use openai or anthropic"
        )
    if settings.model is None:
        raise LlmSettingsError("PLANLEDGER_LLM_MODEL is not set: name the model to ask")
    base_url = settings.base_url or DEFAULT_BASE_URLS[settings.provider]
    with httpx.Client(timeout=TIMEOUT_S) as client:
        if settings.provider == "anthropic":
            yield MessagesApiDrafter(base_url, settings.api_key, settings.model, client)
        else:
            yield ChatCompletionsDrafter(base_url, settings.api_key, settings.model, client)
