"""A real local HTTP server speaking OpenAI's Chat Completions protocol (POST /v1/chat/completions),
standing in for the provider: it records every request it receives and answers from a script (a
queue of answers, then a default), so tests see exactly what would leave the service."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-test-7f3a9c2e1b5d4f60a8e2c9b1"


@dataclass
class Reply:
    """One scripted answer: the assistant's content, or an HTTP error with a body."""

    content: str | None = None
    status: int = 200
    finish_reason: str = "stop"
    delay: float = 0.0
    error_text: str = "upstream exploded: internal provider detail"


@dataclass
class FakeProvider:
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=lambda: Reply(content=None))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append(body)
            return self.script.pop(0) if self.script else self.default

    def prompts(self) -> str:
        """Everything the provider was sent, as one string."""
        return json.dumps(self.requests, ensure_ascii=False)


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            body["_authorization"] = self.headers.get("Authorization")
            body["_path"] = self.path
            reply = provider.next_reply(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                payload: dict[str, Any] = {"error": {"message": reply.error_text, "type": "server_error"}}
            else:
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "test-model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply.content},
                            "finish_reason": reply.finish_reason,
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                }
            data = json.dumps(payload).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
