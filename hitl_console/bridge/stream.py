"""Reading a platform's event stream (Server-Sent Events, via httpx-sse): reconnects with exponential
backoff and jitter, and resumes with ``Last-Event-ID`` from the last event received.

Fatal answers (401, a 4xx, a body that is not an event stream) end the stream with a
:class:`~hitl_console.bridge.link.BridgeError`; a lost connection, a 5xx or a silent stream only make it
reconnect. Before the first connection ever succeeds, ``give_up_after`` failures in a row end it too
(a wrong URL should not spin forever).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse

from hitl_console.bridge.link import BridgeAuthError, BridgeError, Link, LinkState

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


class Backoff:
    """Delays of ``initial * factor**n`` seconds, capped at ``maximum``, each with +-20% jitter."""

    def __init__(self, initial: float = 0.25, factor: float = 2.0, maximum: float = 8.0, seed: int | None = None) -> None:
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
        self._n = 0
        self._rng = random.Random(seed)

    def next(self) -> float:
        d = min(self.maximum, self.initial * self.factor**self._n)
        self._n += 1
        return d * self._rng.uniform(0.8, 1.2)

    def reset(self) -> None:
        self._n = 0


class _Retry(Exception):
    pass


def auth_headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def describe(e: httpx.HTTPError) -> str:
    """A transport error as a few words."""
    if isinstance(e, httpx.ConnectError):
        return f"cannot connect ({e or 'connection refused'})"
    if isinstance(e, httpx.TimeoutException):
        return "timed out (the platform went silent)"
    if isinstance(e, httpx.RemoteProtocolError):
        return f"the connection broke ({e})"
    return f"{type(e).__name__}: {e}"


def auth_error(url: str, token: str | None) -> BridgeAuthError:
    """A 401 as one line: a wrong token, or none given (and how to give one)."""
    if not token:
        return BridgeAuthError(
            f"the platform at {url} asks for a token (401 Unauthorized) and none was given: "
            "give it with --token TOKEN or the HITL_BRIDGE_TOKEN environment variable"
        )
    return BridgeAuthError(
        f"the platform at {url} refused the token (401 Unauthorized): give the right one with --token "
        "or HITL_BRIDGE_TOKEN"
    )


class EventStream:
    """The events of ``{base}/v1/events``, across reconnections. Iterate :meth:`events`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        link: Link,
        *,
        token: str | None = None,
        last_id: Callable[[], str | None] = lambda: None,
        backoff: Backoff | None = None,
        give_up_after: int = 6,
        on_connect: Callable[[httpx.Response], None] | None = None,
    ) -> None:
        self.client = client
        self.on_connect = on_connect
        self.url = url
        self.link = link
        self.token = token
        self.last_id = last_id
        self.backoff = backoff or Backoff()
        self.give_up_after = give_up_after
        self.ever_connected = False

    def check(self, response: httpx.Response) -> None:
        """Raise unless ``response`` opens the event stream (fatal errors, or ``_Retry``)."""
        status = response.status_code
        if status == 401:
            raise auth_error(self.url, self.token)
        if status in RETRYABLE:
            raise _Retry(f"the platform answered {status} {response.reason_phrase}")
        if status != 200:
            raise BridgeError(
                f"GET {self.url} answered {status} {response.reason_phrase}: is this a bridge platform (protocol v1)?"
            )
        ctype = response.headers.get("content-type", "")
        if not ctype.startswith("text/event-stream"):
            raise BridgeError(f"GET {self.url} is not an event stream (Content-Type {ctype or 'missing'})")

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        link = self.link
        while True:
            headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache", **auth_headers(self.token)}
            last = self.last_id()
            if last:
                headers["Last-Event-ID"] = last
            try:
                async with aconnect_sse(self.client, "GET", self.url, headers=headers) as source:
                    self.check(source.response)
                    if self.ever_connected:
                        link.reconnects += 1
                    self.ever_connected = True
                    link.failures = 0
                    link.set_state(LinkState.CONNECTED, "")
                    self.backoff.reset()
                    if self.on_connect is not None:
                        self.on_connect(source.response)
                    async for sse in source.aiter_sse():
                        yield sse
                    error = "the platform ended the stream"
            except httpx.HTTPError as e:
                error = describe(e)
            except _Retry as e:
                error = str(e)
            except BridgeError as e:
                link.set_state(LinkState.DOWN, str(e))
                raise
            link.failures += 1
            if not self.ever_connected and link.failures >= self.give_up_after:
                link.set_state(LinkState.DOWN, error)
                raise BridgeError(f"cannot reach the platform at {self.url}: {error}")
            link.set_state(LinkState.RECONNECTING, error)
            await asyncio.sleep(self.backoff.next())


async def probe(url: str, token: str | None, timeout: float = 5.0) -> None:
    """Check once that ``url`` is the event stream of a platform that accepts ``token``.
    Raises :class:`BridgeError` (or :class:`BridgeAuthError`) as one clear line."""
    async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
        stream = EventStream(client, url, Link(url), token=token)
        headers = {"Accept": "text/event-stream", **auth_headers(token)}
        try:
            async with client.stream("GET", url, headers=headers) as response:
                stream.check(response)
        except httpx.HTTPError as e:
            raise BridgeError(f"cannot reach the platform at {url}: {describe(e)}") from None
        except _Retry as e:
            raise BridgeError(f"the platform at {url} is not available: {e}") from None
