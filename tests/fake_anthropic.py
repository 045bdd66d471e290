"""A local fake of the Anthropic Messages API on 127.0.0.1 (a real socket, no network).

Script it per test with :meth:`FakeAnthropic.push` (one step per request, in order); when the script is
empty, the ``default`` responder answers. Every request is recorded (path, headers, JSON body).

    with FakeAnthropic() as fake:
        fake.push(error(429, "rate_limit_error", headers={"retry-after": "1"}))
        fake.push(reply_tool("Your parcel is on its way.", 0.9))
        agent = ClaudeAgent(..., base_url=fake.url)
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


@dataclass
class Step:
    """One scripted answer: a status, a JSON (or raw) body, headers, and an optional delay first."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


def message(content: list[dict[str, Any]], stop_reason: str = "end_turn", *, usage: tuple[int, int] = (120, 30),
            model: str = "claude-test") -> Step:
    n = next(_ids)
    return Step(
        body={
            "id": f"msg_{n:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }
    )


def tool_use(name: str, tool_input: Any, *, usage: tuple[int, int] = (120, 30)) -> Step:
    n = next(_ids)
    return message(
        [{"type": "tool_use", "id": f"toolu_{n:04d}", "name": name, "input": tool_input}], "tool_use", usage=usage
    )


def reply_tool(text: str, confidence: float = 0.9, needs_human: bool = False, reason: str = "",
               *, usage: tuple[int, int] = (120, 30)) -> Step:
    return tool_use(
        "reply", {"text": text, "confidence": confidence, "needs_human": needs_human, "reason": reason}, usage=usage
    )


def text(answer: str, *, usage: tuple[int, int] = (80, 40)) -> Step:
    return message([{"type": "text", "text": answer}], "end_turn", usage=usage)


def refusal(*, usage: tuple[int, int] = (90, 0)) -> Step:
    return message([], "refusal", usage=usage)


def error(status: int, kind: str, msg: str = "", headers: dict[str, str] | None = None) -> Step:
    return Step(status=status, body={"type": "error", "error": {"type": kind, "message": msg or kind}},
                headers=headers or {})


def stall(seconds: float) -> Step:
    """Answer only after ``seconds`` (longer than the client's timeout: a timeout)."""
    step = reply_tool("too late", 0.9)
    step.delay_s = seconds
    return step


Responder = Callable[[dict[str, Any]], Step]


def default_responder(body: dict[str, Any]) -> Step:
    """A confident, polite reply through the ``reply`` tool; plain text when no tools were offered."""
    if body.get("tools"):
        return reply_tool("Thanks for your message. I have checked this for you and it is being handled.", 0.8)
    return text("Hi, thanks for waiting. I have taken over your chat and I'm looking into it now.")


class FakeAnthropic:
    """A threaded HTTP server answering ``POST /v1/messages`` from a script."""

    def __init__(self, default: Responder = default_responder) -> None:
        self.default = default
        self.requests: list[Recorded] = []
        self._script: list[Step] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_unparsed": raw.decode("utf-8", "replace")}
                with fake._lock:
                    fake.requests.append(
                        Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                    )
                    step = fake._script.pop(0) if fake._script else None
                if step is None:
                    step = fake.default(body)
                if step.delay_s:
                    time.sleep(step.delay_s)
                data = step.raw if step.raw is not None else json.dumps(step.body).encode()
                try:
                    self.send_response(step.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.send_header("request-id", f"req_{len(fake.requests):04d}")
                    for k, v in step.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-anthropic", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def push(self, *steps: Step) -> None:
        with self._lock:
            self._script.extend(steps)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def start(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
