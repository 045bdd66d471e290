"""Claude as the AI agent, through the anthropic SDK's async client and tool use.

``reply()`` asks Claude for a structured reply through the ``reply`` tool (text, confidence 0..1,
needs_human, reason); Claude may first call ``lookup_order`` for the simulated order data (at most
``_TOOL_ROUNDS`` times, then ``reply`` is forced). Its confidence and needs_human feed the ``technical``
trigger like the rules agent's. Each API call is retried on its own (see :mod:`claude_retry`); when the
retries run out, ``reply()`` raises :class:`ClaudeAgentError` (an ``AgentError`` carrying ``details``:
the attempts, the tokens used) and the floor escalates the chat as ``technical``.

``draft()`` and ``brief()`` use Claude too (fewer retries, short waits: the human is waiting) and fall
back to the rules agent on any failure, or at once while the agent is degraded.

``health`` tells the console whether Claude is answering: ``ok`` or ``degraded`` with the last error.

The API key (from ``ANTHROPIC_API_KEY``, see :func:`hitl_console.agents.claude.make_claude_agent`)
is handed to the SDK and appears in no message, log event or error: every text leaving this module
is scrubbed of it as well.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import anthropic

from hitl_console.agents.base import Agent, AgentContext, AgentError, AgentReply
from hitl_console.agents.claude import ClaudeNotConfigured
from hitl_console.agents.claude_orders import lookup_order
from hitl_console.agents.claude_prompt import (
    TOOLS,
    brief_request,
    clean,
    draft_request,
    parse_reply,
    system_blocks,
    to_messages,
)
from hitl_console.agents.claude_retry import Attempt, CallFailed, RetriesExhausted, Sleep, with_retries
from hitl_console.agents.rules import RulesAgent
from hitl_console.config import AgentSettings
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.models import Role

_TOOL_ROUNDS = 2  # lookup_order calls per reply before ``reply`` is forced
_DEGRADED_COOLDOWN_S = 30.0  # while degraded, drafts and briefs skip Claude for this long after a failure
_HELPER_ATTEMPTS = 2
_HELPER_MAX_WAIT_S = 2.0
_TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


class ClaudeAgentError(AgentError):
    """Claude could not answer after its retries; ``details`` goes into the ``agent.error`` event."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


@dataclass(slots=True)
class AgentHealth:
    """Whether Claude is answering; for the console's header."""

    state: Literal["ok", "degraded"] = "ok"
    last_error: str | None = None
    last_error_at: float | None = None  # time.time()
    failures: int = 0  # calls that failed after all retries, in this session
    retries: int = 0  # attempts that were retried, in this session

    @property
    def degraded(self) -> bool:
        return self.state == "degraded"


class _Usage:
    """Token counts summed over the calls of one reply (and the calls and retries made)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, usage: Any) -> None:
        self.counts["calls"] = self.counts.get("calls", 0) + 1
        for key in _TOKEN_KEYS:
            value = getattr(usage, key, None)
            if isinstance(value, int) and value:
                self.counts[key] = self.counts.get(key, 0) + value

    def as_dict(self, attempts: list[Attempt]) -> dict[str, int]:
        out = {k: self.counts.get(k, 0) for k in ("input_tokens", "output_tokens")}
        out.update({k: v for k, v in self.counts.items() if k not in out})
        out["calls"] = len(attempts)
        out["retries"] = sum(1 for a in attempts if a.wait_s is not None)
        return out


class ClaudeAgent:
    """The Claude agent; see the module docstring."""

    name = "claude"

    def __init__(
        self,
        catalogue: Catalogue,
        settings: AgentSettings,
        *,
        api_key: str,
        base_url: str | None = None,
        low_confidence: float = 0.45,
        sleep: Sleep = asyncio.sleep,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalogue = catalogue
        self.settings = settings
        self.model = settings.model
        self.health = AgentHealth()
        self.fallback: Agent = RulesAgent(catalogue, low_confidence=low_confidence)
        self._secret = api_key
        self.sleep = sleep
        self._rng = random.Random(seed)
        self._clock = clock
        self._gate: asyncio.Semaphore | None = None
        try:
            self.client = anthropic.AsyncAnthropic(
                api_key=api_key, base_url=base_url, max_retries=0, timeout=settings.timeout_s
            )
        except Exception as e:  # a bad ANTHROPIC_BASE_URL and the like; never echo the key
            raise ClaudeNotConfigured(f"cannot set up the Claude client: {self._scrub(type(e).__name__)}") from None

    # -- plumbing ---------------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "[redacted]") if self._secret else text

    def _scrubbed(self, value: Any) -> Any:
        """``value`` (JSON-like) with the API key replaced wherever it could appear."""
        return json.loads(self._scrub(json.dumps(value)))

    async def _create(self, **kwargs: Any) -> anthropic.types.Message:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.settings.concurrency)
        async with self._gate:
            try:
                return await self.client.messages.create(
                    model=self.model, max_tokens=self.settings.max_tokens, **kwargs
                )
            except ValueError:  # a 2xx body that is not JSON
                raise CallFailed("malformed", "Claude API sent a response that is not JSON", retryable=True) from None

    def _ok(self, attempts: list[Attempt]) -> None:
        self.health.retries += sum(1 for a in attempts if a.wait_s is not None)
        self.health.state = "ok"

    def _failed(self, message: str, attempts: list[Attempt]) -> None:
        h = self.health
        h.retries += sum(1 for a in attempts if a.wait_s is not None)
        h.state = "degraded"
        h.last_error = message
        h.last_error_at = self._clock()
        h.failures += 1

    async def aclose(self) -> None:
        await self.client.close()

    # -- reply ------------------------------------------------------------------------------------
    async def reply(self, ctx: AgentContext) -> AgentReply:
        t0 = time.monotonic()
        usage = _Usage()
        attempts: list[Attempt] = []
        system = system_blocks(self.catalogue, ctx)
        messages = to_messages(ctx.transcript)
        try:
            for round_ in range(_TOOL_ROUNDS + 1):
                force = round_ == _TOOL_ROUNDS
                tool_choice: dict[str, Any] = {"type": "tool", "name": "reply"} if force else {"type": "any"}

                async def call(tool_choice: dict[str, Any] = tool_choice) -> tuple[str, Any]:
                    msg = await self._create(system=system, messages=messages, tools=TOOLS, tool_choice=tool_choice)
                    usage.add(msg.usage)
                    return self._read(msg)

                kind, payload = await with_retries(
                    call, self.settings, sleep=self.sleep, rng=self._rng, attempts=attempts, label="reply"
                )
                if kind == "reply":
                    text, confidence, needs_human, reason = payload
                    self._ok(attempts)
                    return self._honest(ctx, text, confidence, needs_human, reason, usage.as_dict(attempts), t0)
                messages.extend(self._lookups(ctx, payload))
        except RetriesExhausted as e:
            message = self._scrub(str(e))
            self._failed(message, attempts)
            details = {
                "agent": self.name,
                "model": self.model,
                "outcome": e.last.outcome,
                "attempts": [a.as_dict() for a in attempts],
                "usage": usage.as_dict(attempts),
                "latency_s": round(time.monotonic() - t0, 3),
            }
            raise ClaudeAgentError(message, self._scrubbed(details)) from None
        raise AssertionError("unreachable: the last round forces the reply tool")  # pragma: no cover

    def _read(self, msg: anthropic.types.Message) -> tuple[str, Any]:
        """("reply", parsed) or ("lookup", [tool_use blocks]); CallFailed for a refusal or no tool call."""
        if msg.stop_reason == "refusal":
            raise CallFailed("refusal", "Claude declined to answer (refusal)", retryable=False)
        if not isinstance(msg.content, list) or not all(hasattr(b, "type") for b in msg.content):
            raise CallFailed("malformed", "Claude API sent a message without content blocks", retryable=True)
        uses = [b for b in msg.content if b.type == "tool_use"]
        for block in uses:
            if block.name == "reply":
                return "reply", parse_reply(block.input)
        lookups = [b for b in uses if b.name == "lookup_order"]
        if lookups:
            return "lookup", (msg, lookups)
        if msg.stop_reason == "max_tokens":
            raise CallFailed("malformed", "Claude ran out of tokens before calling the reply tool", retryable=True)
        raise CallFailed("malformed", "Claude answered without calling the reply tool", retryable=True)

    def _lookups(self, ctx: AgentContext, payload: Any) -> list[dict[str, Any]]:
        """The assistant's tool calls and the user's tool results to append to the conversation."""
        msg, lookups = payload
        content: list[dict[str, Any]] = []
        for b in msg.content:
            if b.type == "text":
                content.append({"type": "text", "text": b.text})
            elif b.type == "tool_use":
                content.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
        results: list[dict[str, Any]] = []
        for b in lookups:
            raw = b.input.get("order_id") if isinstance(b.input, dict) else None
            results.append(
                {"type": "tool_result", "tool_use_id": b.id, "content": json.dumps(lookup_order(raw, ctx.order_id))}
            )
        for b in msg.content:  # every tool call must get a result, even one we do not serve here
            if b.type == "tool_use" and b.name != "lookup_order":
                results.append({"type": "tool_result", "tool_use_id": b.id, "is_error": True,
                                "content": "unknown tool"})
        return [{"role": "assistant", "content": content}, {"role": "user", "content": results}]

    def _honest(
        self,
        ctx: AgentContext,
        text: str,
        confidence: float,
        needs_human: bool,
        reason: str,
        usage: dict[str, int],
        t0: float,
    ) -> AgentReply:
        """The reply, with confidence lowered when it repeats an earlier AI answer (an answer loop)."""
        earlier = [" ".join(t.text.split()).lower() for t in ctx.transcript if t.role is Role.AI]
        if " ".join(text.split()).lower() in earlier:
            confidence = round(confidence * 0.55, 3)
            reason = reason or "answer loop"
        intent = self.catalogue.by_id.get(ctx.intent or "")
        if intent is not None and not intent.eligible and not needs_human:
            needs_human, reason = True, reason or intent.reason or "not AI-eligible"
        return AgentReply(
            text,
            confidence,
            needs_human=needs_human,
            reason=reason or None,
            intent=ctx.intent,
            usage=usage,
            latency_s=round(time.monotonic() - t0, 3),
        )

    # -- draft and brief --------------------------------------------------------------------------
    def _skip_claude(self) -> bool:
        h = self.health
        return h.degraded and h.last_error_at is not None and self._clock() - h.last_error_at < _DEGRADED_COOLDOWN_S

    async def _text(self, label: str, system: str, messages: list[dict[str, Any]]) -> str | None:
        """Claude's plain-text answer, or None (after marking the failure) when it has none."""
        attempts: list[Attempt] = []

        async def call() -> str:
            msg = await self._create(system=system, messages=messages)
            if msg.stop_reason == "refusal":
                raise CallFailed("refusal", "Claude declined to answer (refusal)", retryable=False)
            blocks: list[Any] = msg.content if isinstance(msg.content, list) else []
            text = clean("\n".join(str(b.text) for b in blocks if getattr(b, "type", None) == "text")).strip()
            if not text:
                raise CallFailed("malformed", "Claude sent an empty answer", retryable=True)
            return text

        try:
            text = await with_retries(
                call,
                self.settings,
                sleep=self.sleep,
                rng=self._rng,
                attempts=attempts,
                max_attempts=_HELPER_ATTEMPTS,
                max_wait_s=_HELPER_MAX_WAIT_S,
                label=label,
            )
        except RetriesExhausted as e:
            self._failed(self._scrub(str(e)), attempts)
            return None
        self._ok(attempts)
        return text

    async def draft(self, ctx: AgentContext) -> str:
        if not self._skip_claude():
            system, messages = draft_request(self.catalogue, ctx)
            text = await self._text("draft", system, messages)
            if text:
                return text[:1500]
        return await self.fallback.draft(ctx)

    async def brief(self, ctx: AgentContext) -> str:
        if not self._skip_claude():
            system, messages = brief_request(self.catalogue, ctx)
            text = await self._text("brief", system, messages)
            if text:
                return "\n".join(line.rstrip() for line in text.splitlines()[:10] if line.strip())
        return await self.fallback.brief(ctx)
