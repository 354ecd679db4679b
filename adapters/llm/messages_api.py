"""Anthropic's Messages API as a `PlanDrafter`.

The system prompt goes in `system`; the plan is read from the text blocks of the answer or
from a `tool_use` block's input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import SecretStr

from adapters.llm.errors import translated_http_errors
from core import ChatMessage, DraftReply

ANTHROPIC_VERSION = "2023-06-01"
MAX_TOKENS = 8192


class MessagesApiDrafter:
    """POST `{base_url}/v1/messages` with the conversation; temperature 0."""

    provider = "anthropic"

    def __init__(
        self, base_url: str, api_key: SecretStr | None, model: str, client: httpx.Client
    ) -> None:
        self.model = model
        self._endpoint = base_url.rstrip("/") + "/v1/messages"
        self._api_key = api_key
        self._client = client

    def draft(self, messages: Sequence[ChatMessage]) -> DraftReply:
        system = "\n\n".join(m.content for m in messages if m.role == "system")
        body = {
            "model": self.model,
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
            "system": system,
            "messages": [
                {"role": m.role, "content": m.content} for m in messages if m.role != "system"
            ],
        }
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self._api_key is not None:
            headers["x-api-key"] = self._api_key.get_secret_value()
        with translated_http_errors(self._endpoint):
            response = self._client.post(self._endpoint, json=body, headers=headers)
            response.raise_for_status()
            blocks: list[dict[str, Any]] = response.json()["content"]
            text = "".join(block.get("text", "") for block in blocks if block["type"] == "text")
            tool = next((block["input"] for block in blocks if block["type"] == "tool_use"), None)
            return DraftReply(text=text, tool_arguments=tool)
