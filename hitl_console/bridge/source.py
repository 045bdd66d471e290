"""The console side of the bridge: a ``Source`` that mirrors a platform's chats onto a :class:`Floor`.

It reads the platform's event stream and hands each event to its :class:`~hitl_console.bridge.mirror.
PlatformMirror` (the floor changes only there). A command is POSTed to the platform and is done when its
event has come back through the stream (so two consoles on one platform agree, and a takeover is logged
before it is shown as done).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import httpx
from pydantic import BaseModel, ValidationError

from hitl_console.agents.base import Agent, AgentContext, Turn
from hitl_console.bridge.link import (
    BridgeError,
    CommandFailed,
    HeldElsewhere,
    Link,
    LinkState,
)
from hitl_console.bridge.mirror import PlatformMirror
from hitl_console.bridge.protocol import (
    RUN_HEADER,
    CloseCommand,
    CommandAccepted,
    CommandError,
    HandbackCommand,
    MessageCommand,
    TakeoverCommand,
    clean_name,
    clean_text,
)
from hitl_console.bridge.stream import RETRYABLE, Backoff, EventStream, auth_error, auth_headers, describe
from hitl_console.core.engine import ChatState, CommandRefused, Floor, OpenTakeover
from hitl_console.core.models import ChatStatus, EventType, Message, Role


def normalize_url(url: str) -> str:
    """The platform's base URL without a trailing slash; one clear error when it is not http(s)."""
    u = url.strip().rstrip("/")
    try:
        parsed = httpx.URL(u)
    except (httpx.InvalidURL, TypeError) as e:
        raise BridgeError(f"platform URL {url!r}: {e}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BridgeError(f"platform URL {url!r}: give an http:// or https:// URL, e.g. http://127.0.0.1:8765")
    return u


class BridgeSource:
    """Implements ``Source`` over a platform. Run :meth:`run` as a task; read :attr:`link` for the header."""

    def __init__(
        self,
        floor: Floor,
        url: str,
        *,
        token: str | None = None,
        agent: Agent | None = None,
        link: Link | None = None,
        confirm_timeout: float = 5.0,
        command_tries: int = 3,
        read_timeout: float = 30.0,
        backoff: Backoff | None = None,
        give_up_after: int = 6,
        dedup_window: int = 500_000,
    ) -> None:
        self.floor = floor
        self.base = normalize_url(url)
        self.events_url = f"{self.base}/v1/events"
        self.token = token
        self.agent = agent
        self.link = link or Link(self.base)
        self.confirm_timeout = confirm_timeout
        self.command_tries = command_tries
        self.read_timeout = read_timeout
        self.backoff = backoff
        self.give_up_after = give_up_after
        self._client: httpx.AsyncClient | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self.mirror = PlatformMirror(floor, self.link, on_change=self._wake, dedup_window=dedup_window)

    @property
    def run_id(self) -> str | None:
        """The platform's history, as its Bridge-Run header names it."""
        return self.mirror.run_id

    def apply(self, event_id: str, data: str) -> str:
        """Apply one platform event (see :meth:`PlatformMirror.apply`)."""
        return self.mirror.apply(event_id, data)

    def platform_run(self, run: str) -> list[str]:
        """Note the platform's run (see :meth:`PlatformMirror.platform_run`)."""
        return self.mirror.platform_run(run)

    # -- the stream ---------------------------------------------------------------------------------
    def client(self) -> httpx.AsyncClient:
        """The HTTP client, made on first use on the loop that runs the bridge."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=self.read_timeout), trust_env=False)
        return self._client

    async def run(self) -> None:
        """Read the platform's events and apply them until cancelled. Fatal link errors raise
        :class:`~hitl_console.bridge.link.BridgeError` (the link is then ``down``)."""
        stream = EventStream(
            self.client(),
            self.events_url,
            self.link,
            token=self.token,
            last_id=lambda: self.link.last_event_id,
            backoff=self.backoff,
            give_up_after=self.give_up_after,
            on_connect=self._on_connect,
        )
        try:
            async for sse in stream.events():
                if not sse.data:  # a keep-alive, or an event with no data: nothing to apply
                    continue
                self.apply(sse.id, sse.data)
        finally:
            if self.link.state is not LinkState.DOWN:
                self.link.set_state(LinkState.DOWN, "stopped")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _on_connect(self, response: httpx.Response) -> None:
        self.mirror.stream_opened()
        run = clean_name(response.headers.get(RUN_HEADER, ""))[:200]
        if run:
            self.platform_run(run)

    # -- waiting for a command's event -------------------------------------------------------------
    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for f in waiters:
            if not f.done():
                f.set_result(None)

    async def _until(self, done: Callable[[], bool]) -> bool:
        """Wait (at most ``confirm_timeout``) until ``done()`` holds after an applied event."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.confirm_timeout
        while not done():
            left = deadline - loop.time()
            if left <= 0:
                return False
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, left)
            except TimeoutError:
                return done()
        return True

    async def _confirm(self, chat_id: str, action: str, accepted: CommandAccepted, done: Callable[[], bool]) -> None:
        eid = accepted.event_id
        seen = await self._until((lambda: self.mirror.seen(eid)) if eid else done)
        if seen and done():
            return
        if not seen:
            error = f"its event did not arrive within {self.confirm_timeout:g}s (link {self.link.state.value})"
            self._command_failed(chat_id, action, error, accepted=True)
            raise CommandFailed(
                f"{action} on chat {chat_id}: the platform accepted it but {error}; the floor will show it "
                "once the event arrives"
            )
        chat = self.floor.chats.get(chat_id)
        now = chat.status.value if chat else "gone"
        raise CommandRefused(f"{action} on chat {chat_id}: the chat changed meanwhile (now {now})")

    # -- commands -----------------------------------------------------------------------------------
    def _command_failed(self, chat_id: str, action: str, error: str, *, accepted: bool = False) -> None:
        self.link.commands_failed += 1
        self.floor.note(EventType.BRIDGE_COMMAND, chat_id, {"action": action, "error": error, "accepted": accepted})

    async def _post(self, chat_id: str, action: str, body: BaseModel) -> CommandAccepted:
        """POST a command: retried (same idempotency key) on a lost connection or a 5xx; refusals raise."""
        url = f"{self.base}/v1/chats/{quote(chat_id, safe='')}/{action}"
        headers = {**auth_headers(self.token), "Idempotency-Key": uuid4().hex}
        payload = body.model_dump(mode="json", exclude_none=True)
        error = ""
        delay = 0.2
        for attempt in range(self.command_tries):
            if attempt:
                await asyncio.sleep(delay)
                delay *= 2
            try:
                r = await self.client().post(url, json=payload, headers=headers, timeout=5.0)
            except httpx.HTTPError as e:
                error = describe(e)
                continue
            if r.status_code == 200:
                try:
                    return CommandAccepted.model_validate(r.json() if r.content else {})
                except (ValueError, ValidationError):
                    return CommandAccepted()
            if r.status_code == 401:
                raise auth_error(self.base, self.token)
            if r.status_code in RETRYABLE:
                error = f"the platform answered {r.status_code} {r.reason_phrase}"
                continue
            err = _error_body(r)
            if r.status_code == 409 and err.holder:
                raise HeldElsewhere(chat_id, err.holder, f"chat {chat_id} is held by {err.holder}")
            raise CommandRefused(f"the platform refused {action} on chat {chat_id}: {err.error}")
        self._command_failed(chat_id, action, error)
        raise CommandFailed(
            f"{action} on chat {chat_id} failed after {self.command_tries} tries ({error}); nothing changed"
        )

    def _holder(self, chat_id: str, supervisor: str) -> ChatState:
        chat = self.floor.chat(chat_id)
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat_id} is closed")
        if chat.status is not ChatStatus.HUMAN:
            raise CommandRefused(f"chat {chat_id} is not held by a human")
        if chat.holder != supervisor:
            raise CommandRefused(f"chat {chat_id} is held by {chat.holder}, not {supervisor}")
        return chat

    async def take_over(self, chat_id: str, supervisor: str) -> OpenTakeover:
        chat = self.floor.chat(chat_id)
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat_id} is closed")
        if chat.status is ChatStatus.HUMAN:
            raise HeldElsewhere(chat_id, chat.holder, f"chat {chat_id} is held by {chat.holder}")
        if chat.status is ChatStatus.ESCALATED:
            body = TakeoverCommand(
                supervisor=supervisor, kind="escalation", trigger=chat.trigger.value if chat.trigger else None
            )
        else:
            body = TakeoverCommand(supervisor=supervisor, kind="proactive")
        accepted = await self._post(chat_id, "takeover", body)

        def held() -> bool:
            return chat.status is ChatStatus.HUMAN and chat.holder == supervisor

        await self._confirm(chat_id, "takeover", accepted, held)
        assert chat.takeover is not None
        return chat.takeover

    async def send(self, chat_id: str, supervisor: str, text: str) -> Message:
        chat = self._holder(chat_id, supervisor)
        if not text.strip():
            raise CommandRefused("an empty message is not sent")
        before = len(chat.messages)
        sent = clean_text(text)
        accepted = await self._post(chat_id, "messages", MessageCommand(supervisor=supervisor, text=text))

        def mine() -> Message | None:
            for m in chat.messages[before:]:
                if m.role is Role.HUMAN and m.text == sent:
                    return m
            return None

        await self._confirm(chat_id, "message", accepted, lambda: mine() is not None)
        msg = mine()
        assert msg is not None
        return msg

    async def hand_back(self, chat_id: str, supervisor: str) -> None:
        chat = self._holder(chat_id, supervisor)
        accepted = await self._post(chat_id, "handback", HandbackCommand(supervisor=supervisor))
        await self._confirm(
            chat_id, "hand back", accepted, lambda: chat.status is not ChatStatus.HUMAN or chat.holder != supervisor
        )

    async def resolve(self, chat_id: str, supervisor: str) -> None:
        chat = self._holder(chat_id, supervisor)
        accepted = await self._post(chat_id, "close", CloseCommand(supervisor=supervisor, outcome="resolved"))
        await self._confirm(chat_id, "resolve", accepted, lambda: chat.status is ChatStatus.CLOSED)

    # -- help for the human ---------------------------------------------------------------------------
    def context(self, chat: ChatState) -> AgentContext:
        return AgentContext(
            chat_id=chat.id,
            customer=chat.customer,
            intent=chat.intent,
            transcript=[Turn(m.role, m.text) for m in chat.messages],
        )

    async def draft(self, chat_id: str) -> str:
        chat = self.floor.chat(chat_id)
        if self.agent is None:
            return ""
        return await self.agent.draft(self.context(chat))

    async def brief(self, chat_id: str) -> str:
        chat = self.floor.chat(chat_id)
        if self.agent is not None:
            return await self.agent.brief(self.context(chat))
        return f"Intent: {chat.intent or 'unclear'}; {len(chat.messages)} messages; trigger: {chat.trigger or '-'}"


def _error_body(r: httpx.Response) -> CommandError:
    try:
        raw: Any = r.json()
        return CommandError.model_validate(raw)
    except (ValueError, ValidationError):
        return CommandError(error=f"{r.status_code} {r.reason_phrase}")

