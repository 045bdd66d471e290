"""Domain models in the project's vocabulary (see docs/schema.md).

Chat status: ``ai`` -> ``escalated`` -> ``human`` -> ``ai`` | ``closed``; ``ai`` -> ``human`` directly
for a proactive takeover. Every change to the floor is an :class:`Event`; the log is the list of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ChatStatus(StrEnum):
    AI = "ai"
    ESCALATED = "escalated"
    HUMAN = "human"
    CLOSED = "closed"


class Role(StrEnum):
    CUSTOMER = "customer"
    AI = "ai"
    HUMAN = "human"
    SYSTEM = "system"


class Trigger(StrEnum):
    TECHNICAL = "technical"
    EMOTIONAL = "emotional"
    CUSTOMER_REQUEST = "customer_request"
    INELIGIBLE = "ineligible"


class TakeoverKind(StrEnum):
    PROACTIVE = "proactive"
    ESCALATION = "escalation"


class EventType(StrEnum):
    CHAT_OPENED = "chat.opened"
    MESSAGE = "message"
    CHAT_ESCALATED = "chat.escalated"
    CHAT_ASSIGNED = "chat.assigned"
    CHAT_RELEASED = "chat.released"
    CHAT_CLOSED = "chat.closed"
    AGENT_ERROR = "agent.error"
    # Logged by the HTTP bridge; they change no chat.
    BRIDGE_MALFORMED = "bridge.malformed"  # an event from the platform that was not applied
    BRIDGE_LINK = "bridge.link"  # the link to the platform changed state
    BRIDGE_COMMAND = "bridge.command"  # a supervisor command the platform did not confirm


@dataclass(frozen=True, slots=True)
class Event:
    """One change to the floor. ``at`` is seconds on the floor's clock (epoch seconds for the wall clock).

    Events and messages are the engine's hot path (tens of thousands a second), so they are frozen
    slotted dataclasses built from already-checked values, not validated pydantic models.
    """

    seq: int
    type: EventType
    chat_id: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message with the scores computed when it arrived."""

    chat_id: str
    seq: int
    role: Role
    text: str
    at: float
    author: str | None = None
    frustration: float | None = None  # customer messages
    confidence: float | None = None  # AI messages
    risk: float | None = None  # escalation risk of the chat after this message


class Takeover(BaseModel):
    """A human taking a chat over: the unit that review and analysis are built on."""

    id: int
    chat_id: str
    supervisor: str
    kind: TakeoverKind
    trigger: Trigger | None = None
    trigger_at: float | None = None
    taken_at: float
    wait_s: float | None = None
    frustration_at_takeover: float | None = None
    confidence_at_takeover: float | None = None
    risk_at_takeover: float | None = None
    human_messages: int = 0
    first_reply_at: float | None = None
    ended_at: float | None = None
    ending: str | None = None  # handed_back | resolved | abandoned | closed
    rating: int | None = None


class Outcome(BaseModel):
    """How a chat ended."""

    chat_id: str
    resolved_by: Role | None = None  # ai | human (None when abandoned)
    rating: int | None = Field(default=None, ge=1, le=5)
    abandoned: bool = False
    duration_s: float = 0.0
