"""A small HTTP/1.1 server for the demo platform, on asyncio streams (no web framework).

It serves exactly the bridge protocol: ``GET /v1/events`` (Server-Sent Events, a comment line as a
keep-alive every ``ping_s``) and ``POST /v1/chats/{chat_id}/{takeover|messages|handback|close}`` (JSON,
persistent connections). Request bodies are limited to 64 KiB; anything else gets a JSON error.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from hitl_console.bridge.link import BridgeError
from hitl_console.bridge.platform import DemoPlatform, Item

MAX_BODY = 64 * 1024
MAX_HEADERS = 100


class _BadRequest(Exception):
    pass


class DemoServer:
    """Serves a :class:`DemoPlatform` on ``host:port`` (port 0: an ephemeral one, see :attr:`port`)."""

    def __init__(
        self,
        platform: DemoPlatform,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        ping_s: float = 10.0,
    ) -> None:
        self.platform = platform
        self.host = host
        self.port = port
        self.token = token
        self.ping_s = ping_s
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._handle, self.host, self.port, limit=MAX_BODY)
        except OSError as e:
            raise BridgeError(f"demo platform: cannot listen on {self.host}:{self.port}: {e.strerror or e}") from None
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every connection at once (as a crash would)."""
        if self._server is not None:
            self._server.close()
        for w in list(self._writers):
            w.transport.abort()
        for t in list(self._tasks):
            t.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    # -- HTTP --------------------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except _BadRequest as e:
                    await _respond(writer, 400, {"error": str(e)}, keep=False)
                    break
                if request is None:
                    break
                method, path, headers, body = request
                keep = headers.get("connection", "").lower() != "close"
                if not self._authorized(headers):
                    await _respond(writer, 401, {"error": "missing or wrong bearer token"}, keep, auth=True)
                elif path == "/v1/events":
                    if method != "GET":
                        await _respond(writer, 405, {"error": "use GET"}, keep)
                    else:
                        await self._stream(writer, headers.get("last-event-id") or None)
                        break
                else:
                    parts = path.split("/")
                    if len(parts) == 5 and parts[:3] == ["", "v1", "chats"] and parts[3]:
                        if method != "POST":
                            await _respond(writer, 405, {"error": "use POST"}, keep)
                        else:
                            status, answer = await self.platform.command(
                                unquote(parts[3]), parts[4], body, headers.get("idempotency-key")
                            )
                            await _respond(writer, status, answer, keep)
                    else:
                        await _respond(writer, 404, {"error": f"no such endpoint: {path}"}, keep)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping: end this connection quietly
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    def _authorized(self, headers: dict[str, str]) -> bool:
        if not self.token:
            return True
        return hmac.compare_digest(headers.get("authorization", "").encode(), f"Bearer {self.token}".encode())

    async def _stream(self, writer: asyncio.StreamWriter, last_id: str | None) -> None:
        backlog, queue = self.platform.subscribe(last_id)
        try:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                b"Cache-Control: no-cache\r\nConnection: close\r\n"
                + f"Bridge-Run: {self.platform.epoch}\r\n\r\n".encode()
            )
            writer.write(b"".join(_frame(item) for item in backlog))
            await writer.drain()
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self.ping_s)
                except TimeoutError:
                    writer.write(b": ping\n\n")
                else:
                    items = [item]
                    while not queue.empty():
                        items.append(queue.get_nowait())
                    writer.write(b"".join(_frame(i) for i in items))
                await writer.drain()
        finally:
            self.platform.unsubscribe(queue)


def _frame(item: Item) -> bytes:
    event_id, data = item
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"id: {event_id}\n{lines}\n".encode()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, version = line.decode("latin-1").strip().split(" ")
    except ValueError:
        raise _BadRequest("malformed request line") from None
    if not version.startswith("HTTP/1."):
        raise _BadRequest(f"unsupported version {version}")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        h = await reader.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        name, sep, value = h.decode("latin-1").partition(":")
        if not sep:
            raise _BadRequest("malformed header line")
        headers[name.strip().lower()] = value.strip()
    else:
        raise _BadRequest("too many headers")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise _BadRequest("chunked request bodies are not supported; send Content-Length")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise _BadRequest("bad Content-Length") from None
    if length < 0 or length > MAX_BODY:
        raise _BadRequest(f"body larger than {MAX_BODY} bytes")
    body = await reader.readexactly(length) if length else b""
    return method.upper(), urlsplit(target).path, headers, body


async def _respond(
    writer: asyncio.StreamWriter, status: int, body: dict[str, Any], keep: bool, *, auth: bool = False
) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: {'keep-alive' if keep else 'close'}\r\n"
    )
    if auth:
        head += 'WWW-Authenticate: Bearer realm="hitl-bridge"\r\n'
    writer.write(head.encode() + b"\r\n" + payload)
    await writer.drain()
