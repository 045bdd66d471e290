"""The inbound half of the bridge: a platform's events applied to a :class:`Floor`.

The platform is the one source of truth for a chat's status: the floor changes only when an event from the
stream is applied, in stream order, each event id once. The console scores every message itself
(frustration, escalation risk) but fires no trigger of its own: the platform sends ``chat.escalated``. A
malformed event is logged (``bridge.malformed``) and counted, never applied; the link's state changes are
logged too (``bridge.link``).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

from hitl_console.bridge.clock import FollowingClock
from hitl_console.bridge.link import Link, LinkSnapshot
from hitl_console.bridge.protocol import (
    ChatAssigned,
    ChatClosed,
    ChatEscalated,
    ChatOpened,
    ChatReleased,
    KnownEvent,
    MalformedEvent,
    MessageEvent,
    UnknownEvent,
    clean_text,
    parse_event,
)
from hitl_console.core.engine import CommandRefused, Floor
from hitl_console.core.models import ChatStatus, EventType, Role, Trigger


class PlatformMirror:
    """Applies a platform's events to ``floor``; ``on_change`` runs after every event applied (the
    command side waits on it for a command's event to come back)."""

    def __init__(
        self, floor: Floor, link: Link, *, on_change: Callable[[], None], dedup_window: int = 500_000
    ) -> None:
        self.floor = floor
        self.link = link
        self.on_change = on_change
        self.dedup_window = dedup_window
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._last: tuple[str, str] = ("", "")
        self.run_id: str | None = None  # the platform's history, as its Bridge-Run header names it
        link.subscribe(self._on_link)

    def seen(self, event_id: str) -> bool:
        """The event ``event_id`` came through the stream (applied, or counted as malformed or ignored)."""
        return event_id in self._seen

    def _on_link(self, snap: LinkSnapshot) -> None:
        self.floor.note(
            EventType.BRIDGE_LINK,
            "",
            {"state": snap.state.value, "url": snap.url, "error": snap.last_error or None,
             "last_event_id": snap.last_event_id},
        )

    def platform_run(self, run: str) -> list[str]:
        """Note the platform's run (the ``Bridge-Run`` of its event stream). Another run than before means
        the platform came back without its history: the chats still open here will get no more events, so
        they are closed as abandoned (ending ``platform_restarted``) and the restart is logged. Returns the
        ids of the chats closed."""
        previous, self.run_id = self.run_id, run
        if previous is None or previous == run:
            return []
        gone = [c.id for c in self.floor.chats.values() if c.status is not ChatStatus.CLOSED]
        self.link.restarts += 1
        self.floor.note(
            EventType.BRIDGE_LINK,
            "",
            {"state": self.link.state.value, "url": self.link.url, "last_event_id": self.link.last_event_id,
             "error": f"the platform restarted without its history (run {previous} -> {run}): "
                      f"{len(gone)} open chats closed as abandoned",
             "restarted": True, "previous_run": previous, "run": run, "chats_closed": len(gone)},
        )
        for cid in gone:
            self.floor.close(cid, None, abandoned=True, ending="platform_restarted")
        self.on_change()
        return gone

    def _at(self, platform_at: float | None, chat_id: str = "") -> float | None:
        """The floor's time of an event the platform says happened at ``platform_at``: that time (replayed
        history keeps its times), but never later than now here (a platform clock ahead of this one) nor
        earlier than the opening of the chat ``chat_id``; None (now) when the platform gives no time."""
        if platform_at is None or not math.isfinite(platform_at):
            return None
        clock = self.floor.clock
        if isinstance(clock, FollowingClock) and not clock.observe(platform_at):
            return None
        t = min(platform_at, clock.now())
        chat = self.floor.chats.get(chat_id) if chat_id else None
        return t if chat is None else max(t, chat.opened_at)

    # -- applying events ----------------------------------------------------------------------------
    def apply(self, event_id: str, data: str) -> str:
        """Apply one event. Returns ``applied``, ``duplicate``, ``ignored`` (unknown type) or ``malformed``."""
        link = self.link
        if not event_id:
            return self._malformed("", "the event has no id", data, event_id)
        if event_id in self._seen:
            if self._last[0] == event_id and self._last[1] != data:
                # SSE ids carry over to events without an id line: a different body means a missing id.
                return self._malformed("", "the event has no id of its own (it repeats the one before)", data, event_id)
            link.duplicates += 1
            return "duplicate"
        self._seen[event_id] = None
        if len(self._seen) > self.dedup_window:
            self._seen.popitem(last=False)
        self._last = (event_id, data)
        link.events += 1
        link.last_event_id = event_id
        try:
            ev = parse_event(data)
        except MalformedEvent as e:
            return self._malformed(e.chat_id, str(e), data, event_id)
        if isinstance(ev, UnknownEvent):
            link.ignored += 1
            return "ignored"
        try:
            self._apply(ev)
        except CommandRefused as e:
            return self._malformed(ev.chat_id, f"{ev.type} cannot be applied: {e}", data, event_id)
        finally:
            self.on_change()
        link.applied += 1
        return "applied"

    def _malformed(self, chat_id: str, error: str, data: str, event_id: str) -> str:
        self.link.malformed += 1
        self.floor.note(
            EventType.BRIDGE_MALFORMED,
            chat_id,
            {"event_id": event_id or None, "error": error, "data": clean_text(data[:2000])},
        )
        return "malformed"

    def _apply(self, ev: KnownEvent) -> None:
        floor = self.floor
        if isinstance(ev, ChatOpened):
            floor.open_chat(
                ev.chat_id,
                ev.customer,
                ev.text,
                intent=ev.intent,
                eligible=ev.eligible,
                channel=ev.channel,
                at=self._at(ev.at),
                check_triggers=False,
            )
        elif isinstance(ev, MessageEvent):
            chat = floor.chat(ev.chat_id)
            role = Role(ev.role)
            floor.add_message(
                ev.chat_id,
                role,
                ev.text,
                confidence=ev.confidence if role is Role.AI else None,
                author=chat.holder if role is Role.HUMAN else None,
                at=self._at(ev.sent_at, ev.chat_id),
                check_triggers=False,
            )
        elif isinstance(ev, ChatEscalated):
            floor.escalate(ev.chat_id, Trigger(ev.trigger), ev.reason or "", at=self._at(ev.at, ev.chat_id))
        elif isinstance(ev, ChatAssigned):
            chat = floor.chat(ev.chat_id)
            at = self._at(ev.at, ev.chat_id)
            if chat.status is ChatStatus.HUMAN and chat.holder is not None:
                if chat.holder == ev.supervisor:
                    return
                floor.hand_back(ev.chat_id, chat.holder, at=at)  # reassigned on the platform
            floor.take_over(ev.chat_id, ev.supervisor, at=at)
        elif isinstance(ev, ChatReleased):
            chat = floor.chat(ev.chat_id)
            if chat.status is ChatStatus.HUMAN and chat.holder is not None:
                floor.hand_back(ev.chat_id, chat.holder, at=self._at(ev.at, ev.chat_id))
        elif isinstance(ev, ChatClosed):
            floor.close(
                ev.chat_id,
                Role(ev.resolved_by) if ev.resolved_by else None,
                rating=ev.rating,
                abandoned=ev.abandoned,
                at=self._at(ev.at, ev.chat_id),
            )
