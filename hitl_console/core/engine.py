"""The floor: a pure state machine over all chats.

Sources (simulator, scenario player, bridge) feed it customer and agent messages; supervisors send it
commands. Every change becomes an :class:`~hitl_console.core.models.Event` handed synchronously to the
subscribers (the store first, so a takeover or a close is committed before the command returns).
Illegal commands are refused with a reason and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hitl_console.config import Thresholds
from hitl_console.core import policy
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.clock import Clock
from hitl_console.core.models import (
    ChatStatus,
    Event,
    EventType,
    Message,
    Role,
    TakeoverKind,
    Trigger,
)
from hitl_console.signals import ChatSignals

Listener = Callable[[Event], None]


class CommandRefused(Exception):
    """A supervisor command that is not legal in the chat's current state."""


@dataclass(slots=True)
class OpenTakeover:
    id: int
    supervisor: str
    kind: TakeoverKind
    trigger: Trigger | None
    trigger_at: float | None
    taken_at: float
    human_messages: int = 0
    first_reply_at: float | None = None


@dataclass(slots=True)
class ChatState:
    """The live state of one chat. Read it; change it only through :class:`Floor`."""

    id: str
    customer: str
    opened_at: float
    channel: str = "chat"
    intent: str | None = None
    eligible: bool = True
    route_reason: str = ""
    status: ChatStatus = ChatStatus.AI
    signals: ChatSignals = field(default_factory=ChatSignals)
    messages: list[Message] = field(default_factory=list)
    confidence: float | None = None
    trigger: Trigger | None = None  # pending (escalated) or last trigger
    trigger_reason: str = ""
    trigger_at: float | None = None
    first_trigger: Trigger | None = None
    holder: str | None = None
    takeover: OpenTakeover | None = None
    takeovers: int = 0
    last_at: float = 0.0
    closed_at: float | None = None
    resolved_by: Role | None = None
    rating: int | None = None
    abandoned: bool = False
    version: int = 0

    @property
    def frustration(self) -> float:
        return self.signals.level

    @property
    def risk(self) -> float:
        return self.signals.risk

    @property
    def last_text(self) -> str:
        return self.messages[-1].text if self.messages else ""

    def is_candidate(self, risk_warning: float) -> bool:
        """A proactive candidate: the AI is handling the chat, has answered at least once (so the risk
        reflects an exchange, not only the opening line), and the escalation risk is at or above the warning."""
        return self.status is ChatStatus.AI and self.confidence is not None and self.signals.risk >= risk_warning

    def waiting_s(self, now: float) -> float:
        """Seconds since the pending trigger fired (0 when nothing is pending)."""
        if self.status is ChatStatus.ESCALATED and self.trigger_at is not None:
            return max(0.0, now - self.trigger_at)
        return 0.0


class Floor:
    """All live chats and the rules that move them."""

    def __init__(self, catalogue: Catalogue, clock: Clock, thresholds: Thresholds | None = None) -> None:
        self.catalogue = catalogue
        self.clock = clock
        self.thresholds = thresholds or Thresholds()
        self.chats: dict[str, ChatState] = {}
        self.closed_count = 0
        self._listeners: list[Listener] = []
        self._seq = 0
        self._takeover_seq = 0
        self._msg_seq = 0

    # -- plumbing -------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, type_: EventType, chat: ChatState, at: float, data: dict[str, Any]) -> Event:
        self._seq += 1
        ev = Event(seq=self._seq, type=type_, chat_id=chat.id, at=at, data=data)
        chat.version += 1
        chat.last_at = at
        for listener in self._listeners:
            listener(ev)
        return ev

    def note(self, type_: EventType, chat_id: str, data: dict[str, Any], *, at: float | None = None) -> Event:
        """Log an event that changes no chat (e.g. a malformed event from a bridged platform)."""
        self._seq += 1
        ev = Event(seq=self._seq, type=type_, chat_id=chat_id, at=self._now(at), data=data)
        for listener in self._listeners:
            listener(ev)
        return ev

    def _now(self, at: float | None) -> float:
        return self.clock.now() if at is None else at

    def chat(self, chat_id: str) -> ChatState:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise CommandRefused(f"no chat {chat_id}") from None

    def live(self) -> list[ChatState]:
        return [c for c in self.chats.values() if c.status is not ChatStatus.CLOSED]

    def held_by(self, supervisor: str) -> list[ChatState]:
        return [c for c in self.chats.values() if c.holder == supervisor and c.status is ChatStatus.HUMAN]

    # -- source events ---------------------------------------------------------------------------
    def open_chat(
        self,
        chat_id: str,
        customer: str,
        text: str | None = None,
        *,
        intent: str | None = None,
        eligible: bool | None = None,
        channel: str = "chat",
        at: float | None = None,
        check_triggers: bool = True,
    ) -> ChatState:
        """A new chat arrives: route it, log it, and score its first message if it has one.

        ``check_triggers=False`` (a bridged platform, which sends its own escalations): no trigger fires
        here, not even ``ineligible``."""
        if chat_id in self.chats:
            raise CommandRefused(f"chat {chat_id} is already open")
        t = self._now(at)
        routing = policy.route(self.catalogue, text or "", intent)
        chat = ChatState(
            id=chat_id,
            customer=customer,
            opened_at=t,
            channel=channel,
            intent=routing.intent,
            eligible=routing.eligible if eligible is None else eligible,
            route_reason=routing.reason if eligible is None else "given by the source",
            signals=ChatSignals(self.thresholds.confidence),
        )
        self.chats[chat_id] = chat
        self._emit(
            EventType.CHAT_OPENED,
            chat,
            t,
            {
                "customer": customer,
                "channel": channel,
                "intent": chat.intent,
                "eligible": chat.eligible,
                "route_reason": chat.route_reason,
                "route_score": round(routing.score, 4),
            },
        )
        if text:
            self.add_message(chat_id, Role.CUSTOMER, text, at=t, check_triggers=chat.eligible and check_triggers)
        if not chat.eligible and check_triggers:
            self.escalate(chat_id, Trigger.INELIGIBLE, chat.route_reason, at=t)
        return chat

    def add_message(
        self,
        chat_id: str,
        role: Role,
        text: str,
        *,
        confidence: float | None = None,
        needs_human: bool = False,
        reason: str | None = None,
        author: str | None = None,
        at: float | None = None,
        check_triggers: bool = True,
        usage: dict[str, int] | None = None,
        latency_s: float | None = None,
    ) -> Message:
        """A message in a chat: scored, logged and checked against the triggers.

        ``usage`` (token counts) and ``latency_s`` (seconds the agent took) come with AI messages from
        agents that report them; they are added to the event's data only when given.
        """
        chat = self.chat(chat_id)
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat_id} is closed")
        t = self._now(at)
        sig = chat.signals
        frustration: float | None = None
        if role is Role.CUSTOMER:
            frustration = sig.add_customer(text)
        elif role in (Role.AI, Role.HUMAN):
            sig.add_agent(text, confidence if role is Role.AI else None)
            if role is Role.AI and confidence is not None:
                chat.confidence = confidence
        self._msg_seq += 1
        msg = Message(
            chat_id=chat_id,
            seq=self._msg_seq,
            role=role,
            text=text,
            at=t,
            author=author,
            frustration=frustration,
            confidence=confidence if role is Role.AI else None,
            risk=sig.risk,
        )
        chat.messages.append(msg)
        if chat.takeover is not None and role is Role.HUMAN:
            tk = chat.takeover
            tk.human_messages += 1
            if tk.first_reply_at is None:
                tk.first_reply_at = t
        data: dict[str, Any] = {
            "role": str(role),  # the value of the StrEnum, without the slow enum descriptor
            "text": text,
            "author": author,
            "frustration": frustration,
            "confidence": msg.confidence,
            "risk": round(sig.risk, 4),
            "level": round(sig.level, 4),
            "msg_seq": msg.seq,
            "takeover_id": chat.takeover.id if chat.takeover is not None else None,
        }
        if usage:
            data["usage"] = dict(usage)
        if latency_s is not None:
            data["latency_s"] = round(latency_s, 3)
        self._emit(
            EventType.MESSAGE,
            chat,
            t,
            data,
        )
        if check_triggers and chat.status is ChatStatus.AI:
            hit: policy.TriggerCheck | None = None
            if role is Role.CUSTOMER:
                hit = policy.check_customer(text, sig.level, self.thresholds, frustration)
            elif role is Role.AI:
                hit = policy.check_ai(
                    1.0 if confidence is None else confidence, needs_human, reason, self.thresholds
                )
            if hit is not None:
                self.escalate(chat_id, hit.trigger, hit.reason, at=t)
        return msg

    def escalate(self, chat_id: str, trigger: Trigger, reason: str = "", *, at: float | None = None) -> bool:
        """A trigger fires: the chat waits for a human. Ignored unless the AI is handling the chat."""
        chat = self.chat(chat_id)
        if chat.status is not ChatStatus.AI:
            return False
        t = self._now(at)
        chat.status = ChatStatus.ESCALATED
        chat.trigger = trigger
        chat.trigger_reason = reason
        chat.trigger_at = t
        if chat.first_trigger is None:
            chat.first_trigger = trigger
        self._emit(EventType.CHAT_ESCALATED, chat, t, {"trigger": trigger.value, "reason": reason})
        return True

    def agent_error(
        self, chat_id: str, error: str, *, at: float | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """The AI agent failed on this chat (after its retries): log it and escalate as technical.

        ``details`` (e.g. the attempts made, tokens used) is added to the event's data."""
        chat = self.chat(chat_id)
        t = self._now(at)
        self._emit(EventType.AGENT_ERROR, chat, t, {**(details or {}), "error": error})
        self.escalate(chat_id, Trigger.TECHNICAL, f"agent error: {error}", at=t)

    # -- supervisor commands ----------------------------------------------------------------------
    def take_over(self, chat_id: str, supervisor: str, *, at: float | None = None) -> OpenTakeover:
        """A human takes the chat: ``proactive`` from ``ai``, ``escalation`` from ``escalated``."""
        chat = self.chat(chat_id)
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat_id} is closed")
        if chat.status is ChatStatus.HUMAN:
            raise CommandRefused(f"chat {chat_id} is held by {chat.holder}")
        t = self._now(at)
        if chat.status is ChatStatus.ESCALATED:
            kind, trigger, trigger_at = TakeoverKind.ESCALATION, chat.trigger, chat.trigger_at
        else:
            kind, trigger, trigger_at = TakeoverKind.PROACTIVE, None, None
        self._takeover_seq += 1
        tk = OpenTakeover(self._takeover_seq, supervisor, kind, trigger, trigger_at, t)
        chat.status = ChatStatus.HUMAN
        chat.holder = supervisor
        chat.takeover = tk
        chat.takeovers += 1
        self._emit(
            EventType.CHAT_ASSIGNED,
            chat,
            t,
            {
                "supervisor": supervisor,
                "takeover_id": tk.id,
                "kind": kind.value,
                "trigger": trigger.value if trigger else None,
                "trigger_at": trigger_at,
                "wait_s": None if trigger_at is None else round(t - trigger_at, 3),
                "frustration": round(chat.signals.level, 4),
                "confidence": chat.confidence,
                "risk": round(chat.signals.risk, 4),
            },
        )
        return tk

    def _holder_check(self, chat: ChatState, supervisor: str) -> OpenTakeover:
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat.id} is closed")
        if chat.status is not ChatStatus.HUMAN or chat.takeover is None:
            raise CommandRefused(f"chat {chat.id} is not held by a human")
        if chat.holder != supervisor:
            raise CommandRefused(f"chat {chat.id} is held by {chat.holder}, not {supervisor}")
        return chat.takeover

    def send_human(self, chat_id: str, supervisor: str, text: str, *, at: float | None = None) -> Message:
        """The human holding the chat writes to the customer."""
        chat = self.chat(chat_id)
        self._holder_check(chat, supervisor)
        if not text.strip():
            raise CommandRefused("an empty message is not sent")
        return self.add_message(chat_id, Role.HUMAN, text, author=supervisor, at=at)

    def hand_back(self, chat_id: str, supervisor: str, *, at: float | None = None) -> None:
        """The human returns the chat to the AI. A chat the AI may not handle (ineligible) goes back to the
        human queue instead, waiting again with its ``ineligible`` trigger."""
        chat = self.chat(chat_id)
        tk = self._holder_check(chat, supervisor)
        t = self._now(at)
        chat.holder = None
        chat.takeover = None
        if chat.eligible:
            chat.status = ChatStatus.AI
            chat.trigger = None
            chat.trigger_at = None
        else:
            chat.status = ChatStatus.ESCALATED
            chat.trigger = Trigger.INELIGIBLE
            chat.trigger_reason = chat.route_reason or "not AI-eligible"
            chat.trigger_at = t
        self._emit(
            EventType.CHAT_RELEASED,
            chat,
            t,
            {
                "supervisor": supervisor,
                "takeover_id": tk.id,
                "human_messages": tk.human_messages,
                "to": "ai" if chat.eligible else "queue",
            },
        )

    def resolve(self, chat_id: str, supervisor: str, *, rating: int | None = None, at: float | None = None) -> None:
        """The human closes the chat as resolved; the customer's rating, if any, comes with it."""
        chat = self.chat(chat_id)
        self._holder_check(chat, supervisor)
        self.close(chat_id, Role.HUMAN, rating=rating, at=at)

    def close(
        self,
        chat_id: str,
        resolved_by: Role | None,
        *,
        rating: int | None = None,
        abandoned: bool = False,
        at: float | None = None,
        ending: str | None = None,
    ) -> None:
        """The chat ends (resolved by the AI or a human, or abandoned by the customer). ``ending`` names a
        different end (e.g. ``rehearsal_ended``); it goes into the event and the takeover's ending."""
        chat = self.chat(chat_id)
        if chat.status is ChatStatus.CLOSED:
            raise CommandRefused(f"chat {chat_id} is closed")
        if rating is not None and not 1 <= rating <= 5:
            raise CommandRefused(f"rating {rating} is not 1-5")
        t = self._now(at)
        tk = chat.takeover
        chat.status = ChatStatus.CLOSED
        chat.closed_at = t
        chat.resolved_by = None if abandoned else resolved_by
        chat.rating = rating
        chat.abandoned = abandoned
        chat.takeover = None
        holder, chat.holder = chat.holder, None
        self.closed_count += 1
        self._emit(
            EventType.CHAT_CLOSED,
            chat,
            t,
            {
                "resolved_by": chat.resolved_by.value if chat.resolved_by else None,
                "rating": rating,
                "abandoned": abandoned,
                "duration_s": round(t - chat.opened_at, 3),
                "takeover_id": tk.id if tk else None,
                "supervisor": holder,
                "human_messages": tk.human_messages if tk else None,
                "first_trigger": chat.first_trigger.value if chat.first_trigger else None,
                **({"ending": ending} if ending else {}),
            },
        )

    def forget_closed(self) -> int:
        """Drop closed chats from memory (they are in the log). Returns how many."""
        gone = [cid for cid, c in self.chats.items() if c.status is ChatStatus.CLOSED]
        for cid in gone:
            del self.chats[cid]
        return len(gone)
