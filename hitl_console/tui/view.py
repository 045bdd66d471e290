"""Frozen views of the floor for the screen, built on the engine's side.

A :class:`FloorObserver` subscribes to the floor. It remembers which chats changed, the new escalations,
each chat's timeline and the supervisors' reply latencies; :meth:`FloorObserver.build` turns that into an
immutable :class:`FloorView` (rebuilding only the rows of chats that changed). The TUI only ever reads
these frozen views, so it never touches live engine state and can run on another thread than the engine.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from hitl_console.core.engine import ChatState, Floor
from hitl_console.core.models import ChatStatus, Event, EventType, Role
from hitl_console.tui.safe_text import one_line

SPARK_POINTS = 8
# Rows are rebuilt for every chat that changed (thousands a second under load) and texts repeat (canned
# replies, names), so the cleaned lines are kept: a pure function of the text and the limit.
_cached_line = lru_cache(maxsize=4096)(one_line)


def _line(text: str, limit: int) -> str:
    return _cached_line(text, limit) if len(text) <= 1000 else one_line(text, limit)
_KEEP_CLOSED = 200  # timelines of recently closed chats kept for an open workspace
_TIMELINE = 400  # events kept per chat (the log has them all)


@dataclass(frozen=True, slots=True)
class ChatRow:
    """One chat as the floor shows it."""

    id: str
    customer: str
    intent: str
    status: ChatStatus
    holder: str | None
    frustration: float
    trend: float
    spark: tuple[float, ...]
    confidence: float | None
    risk: float
    candidate: bool  # the AI holds it and the risk is at or above the warning threshold
    trigger: str | None
    trigger_reason: str
    trigger_at: float | None
    last_text: str  # one clean line
    last_at: float
    opened_at: float
    version: int
    eligible: bool = True  # the AI may handle it (a hand-back of an ineligible chat goes to the queue)
    reply_due_at: float | None = None  # a human holds it and the customer wrote last, at this time

    def __reduce__(self) -> tuple[type[ChatRow], tuple[object, ...]]:
        # Pickled as its constructor's arguments: rows cross to the screen's process in every view, and the
        # default for a frozen slotted dataclass (a Python-level __setstate__) is several times slower.
        return (ChatRow, tuple(getattr(self, f) for f in _ROW_FIELDS))

    @property
    def search(self) -> str:
        """Lower-case text the filter matches against."""
        return " ".join(
            (self.id, self.customer, self.intent, self.status.value, self.holder or "ai", self.trigger or "",
             self.last_text)
        ).lower()

    def waiting_s(self, now: float) -> float:
        """How long the customer has waited for a human: since the trigger (escalated), or since their last
        message (a human holds the chat and has not answered it yet); 0 otherwise."""
        if self.status is ChatStatus.ESCALATED and self.trigger_at is not None:
            return max(0.0, now - self.trigger_at)
        if self.reply_due_at is not None:
            return max(0.0, now - self.reply_due_at)
        return 0.0


_ROW_FIELDS = tuple(f.name for f in fields(ChatRow))


@dataclass(frozen=True, slots=True)
class Kpis:
    live: int
    ai_share: float
    waiting: int
    oldest_wait_s: float
    mine: int
    cap: int
    avg_reply_s: float | None
    closed: int


@dataclass(frozen=True, slots=True)
class FloorView:
    now: float
    rows: tuple[ChatRow, ...]
    kpis: Kpis
    new_escalations: tuple[tuple[str, str, str], ...]  # (chat id, customer, trigger) since the last view
    seq: int  # the floor's last event seq when the view was built
    serial: int = 0  # views of one observer are numbered in the order they were built


@dataclass(frozen=True, slots=True)
class ChatDetail:
    """What the workspace shows of one chat: its row and its timeline (messages and floor events)."""

    row: ChatRow
    events: tuple[Event, ...]


def make_row(chat: ChatState, risk_warning: float) -> ChatRow:
    sig = chat.signals
    status = chat.status
    last = _line(chat.last_text, 160)
    intent = chat.intent or "?"
    return ChatRow(
        id=chat.id,
        customer=_line(chat.customer, 40),
        intent=intent,
        status=status,
        holder=chat.holder,
        frustration=sig.level,
        trend=sig.trend,
        spark=tuple(sig.history[-SPARK_POINTS:]),
        confidence=chat.confidence,
        risk=sig.risk,
        candidate=chat.is_candidate(risk_warning),
        trigger=str(chat.trigger) if chat.trigger else None,  # the StrEnum's value
        trigger_reason=_line(chat.trigger_reason, 120),
        trigger_at=chat.trigger_at,
        last_text=last,
        last_at=chat.last_at,
        opened_at=chat.opened_at,
        version=chat.version,
        eligible=chat.eligible,
        reply_due_at=_reply_due_at(chat),
    )


def _reply_due_at(chat: ChatState) -> float | None:
    if chat.status is not ChatStatus.HUMAN or not chat.messages:
        return None
    last = chat.messages[-1]
    return last.at if last.role is Role.CUSTOMER else None


class FloorObserver:
    """Listens to a floor (on the engine's side) and builds frozen views of it."""

    def __init__(self, floor: Floor, supervisor: str, cap: int) -> None:
        self.floor = floor
        self.supervisor = supervisor
        self.cap = cap
        self._rows: dict[str, ChatRow] = {}
        self._dirty: set[str] = set(floor.chats)
        self._timelines: dict[str, deque[Event]] = {}
        self._closed: deque[str] = deque()
        self._closed_rows: dict[str, ChatRow] = {}
        self._new_escalations: list[tuple[str, str, str]] = []
        self._last_customer_at: dict[str, float] = {}
        self._latencies: deque[float] = deque(maxlen=20)
        self._seq = 0
        self._serial = 0
        floor.subscribe(self.on_event)

    def on_event(self, ev: Event) -> None:
        self._seq = ev.seq
        cid = ev.chat_id
        self._dirty.add(cid)
        tl = self._timelines.get(cid)
        if tl is None:
            tl = self._timelines[cid] = deque(maxlen=_TIMELINE)
        tl.append(ev)
        t = ev.type
        d: dict[str, Any] = ev.data
        if t is EventType.MESSAGE:
            role = d.get("role")
            if role == "customer":
                self._last_customer_at[cid] = ev.at
            elif role == "human" and d.get("author") == self.supervisor:
                since = self._last_customer_at.pop(cid, None)
                if since is not None:
                    self._latencies.append(max(0.0, ev.at - since))
        elif t is EventType.CHAT_ESCALATED:
            chat = self.floor.chats.get(cid)
            self._new_escalations.append((cid, chat.customer if chat else "", str(d.get("trigger"))))
        elif t is EventType.CHAT_ASSIGNED:
            if d.get("supervisor") == self.supervisor:
                # the clock of a reply starts at the takeover when the customer spoke before it
                self._last_customer_at[cid] = ev.at
        elif t is EventType.CHAT_CLOSED:
            self._last_customer_at.pop(cid, None)
            self._closed.append(cid)
            while len(self._closed) > _KEEP_CLOSED:
                old = self._closed.popleft()
                self._timelines.pop(old, None)
                self._closed_rows.pop(old, None)

    def build(self, now: float | None = None) -> FloorView:
        """A frozen view of the floor now. Only chats that changed since the last view are re-read."""
        floor = self.floor
        warn = floor.thresholds.risk_warning
        rows = self._rows
        for cid in self._dirty:
            chat = floor.chats.get(cid)
            if chat is None or chat.status is ChatStatus.CLOSED:
                old = rows.pop(cid, None)
                if chat is not None:
                    self._closed_rows[cid] = make_row(chat, warn)
                elif old is not None:
                    self._closed_rows.setdefault(cid, old)
            else:
                rows[cid] = make_row(chat, warn)
        self._dirty.clear()
        t = floor.clock.now() if now is None else now
        live = tuple(rows.values())
        ai = waiting = mine = 0
        oldest = 0.0
        for r in live:
            st = r.status
            if st is ChatStatus.AI:
                ai += 1
            elif st is ChatStatus.ESCALATED:
                waiting += 1
                oldest = max(oldest, r.waiting_s(t))
            elif r.holder == self.supervisor:
                mine += 1
        lat = self._latencies
        kpis = Kpis(
            live=len(live),
            ai_share=ai / len(live) if live else 0.0,
            waiting=waiting,
            oldest_wait_s=oldest,
            mine=mine,
            cap=self.cap,
            avg_reply_s=sum(lat) / len(lat) if lat else None,
            closed=floor.closed_count,
        )
        new = tuple(self._new_escalations)
        self._new_escalations.clear()
        self._serial += 1
        return FloorView(now=t, rows=live, kpis=kpis, new_escalations=new, seq=self._seq, serial=self._serial)

    def detail(self, chat_id: str) -> ChatDetail | None:
        """The chat's row and timeline (also for a recently closed chat); None when unknown."""
        chat = self.floor.chats.get(chat_id)
        if chat is not None:
            row = make_row(chat, self.floor.thresholds.risk_warning)
        else:
            closed = self._closed_rows.get(chat_id)
            if closed is None:
                return None
            row = closed
        return ChatDetail(row=row, events=tuple(self._timelines.get(chat_id, ())))
