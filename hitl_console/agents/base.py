"""The AI agent interface: what the floor asks of the rules agent and of Claude."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hitl_console.core.models import Role


@dataclass(frozen=True, slots=True)
class Turn:
    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class AgentContext:
    chat_id: str
    customer: str
    intent: str | None
    transcript: Sequence[Turn]
    order_id: str | None = None
    trigger: str | None = None  # the trigger that escalated the chat, when one did
    trigger_reason: str | None = None


@dataclass(frozen=True, slots=True)
class AgentReply:
    text: str
    confidence: float  # 0..1: how sure the agent is that this reply is right and in scope
    needs_human: bool = False
    reason: str | None = None
    intent: str | None = None
    usage: dict[str, int] = field(default_factory=dict)  # tokens, for agents that have them
    latency_s: float = 0.0


class AgentError(Exception):
    """The agent could not answer (after its own retries); the floor escalates as ``technical``."""


class Agent(Protocol):
    name: str

    async def reply(self, ctx: AgentContext) -> AgentReply:
        """The agent's next reply to the customer."""
        ...

    async def draft(self, ctx: AgentContext) -> str:
        """A reply drafted for the human who took the chat over."""
        ...

    async def brief(self, ctx: AgentContext) -> str:
        """A takeover brief: intent, what the AI tried, why it escalated."""
        ...
