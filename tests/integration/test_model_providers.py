"""The model providers over real HTTP on 127.0.0.1: what they send, and how answers are read."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.llm.chat_completions import ChatCompletionsDrafter
from adapters.llm.errors import ModelUnavailableError
from adapters.llm.messages_api import MessagesApiDrafter
from core.domain.generation import ChatMessage, read_draft

KEY = SecretStr("sk-secret-provider-test")
MESSAGES = [ChatMessage("system", "you plan"), ChatMessage("user", "Goal: ship")]


@contextmanager
def answering(status: int, answer: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """A server on 127.0.0.1 that answers every POST with `answer`; yields what it received."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.append({"base": f"http://127.0.0.1:{server.server_address[1]}"})
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_messages_api_gets_the_system_prompt_apart_and_a_tool_use_block_is_the_draft() -> None:
    answer = {
        "content": [
            {"type": "text", "text": "Here is the plan."},
            {"type": "tool_use", "id": "t1", "name": "emit_plan", "input": {"description": "d"}},
        ]
    }
    with answering(200, answer) as received, httpx.Client() as client:
        drafter = MessagesApiDrafter(received[0]["base"], KEY, "claude-x", client)
        reply = drafter.draft(MESSAGES)

    request = received[1]
    assert request["path"] == "/v1/messages"
    assert request["body"]["system"] == "you plan"
    assert request["body"]["messages"] == [{"role": "user", "content": "Goal: ship"}]
    assert request["headers"]["x-api-key"] == KEY.get_secret_value()
    assert request["headers"]["anthropic-version"] == "2023-06-01"
    assert read_draft(reply) == ({"description": "d"}, [])


def test_chat_completions_reads_a_fenced_json_block_from_the_content() -> None:
    text = 'Sure.\n```json\n{"description": "d", "steps": []}\n```\nDone.'
    answer = {"choices": [{"message": {"role": "assistant", "content": text}}]}
    with answering(200, answer) as received, httpx.Client() as client:
        reply = ChatCompletionsDrafter(received[0]["base"], KEY, "m", client).draft(MESSAGES)

    assert received[1]["path"] == "/chat/completions"
    assert received[1]["body"]["messages"][0] == {"role": "system", "content": "you plan"}
    assert read_draft(reply) == ({"description": "d", "steps": []}, [])


def test_a_refusing_provider_is_named_without_its_key() -> None:
    with answering(401, {"error": "bad key"}) as received, httpx.Client() as client:
        drafter = ChatCompletionsDrafter(received[0]["base"], KEY, "m", client)
        with pytest.raises(ModelUnavailableError, match="HTTP 401") as raised:
            drafter.draft(MESSAGES)

    assert KEY.get_secret_value() not in str(raised.value)
