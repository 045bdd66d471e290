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

RESTARTED = "platform_restarted"  # the ending of chats a platform lost in a restart
CLOCK_SLACK_S = 0.002  # times rounded to the millisecond: a smaller difference is not a clock going back


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
        self._current: tuple[str, str] = ("", "")  # the event being applied
        self._behind_noted = False  # a time behind its chat was noted on this stream
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

    def stream_opened(self) -> None:
        """A new event stream: the next chat event whose time is behind its chat is noted again."""
        self._behind_noted = False

    def platform_run(self, run: str) -> list[str]:
        """Note the platform's run (the ``Bridge-Run`` of its event stream). Another run than before means
        the platform came back without its history: the chats still open here will get no more events, so
        they are closed without an outcome (ending ``platform_restarted``: neither resolved nor abandoned,
        left out of the report's outcomes) and the restart is logged. The floor's clock then forgets the old
        platform's lead (:meth:`FollowingClock.rebase`): the new platform's clock is its own. Returns the ids
        of the chats closed."""
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
                      f"{len(gone)} open chats closed (ending {RESTARTED}, left out of the outcomes)",
             "restarted": True, "previous_run": previous, "run": run, "chats_closed": len(gone)},
        )
        for cid in gone:
            self.floor.close(cid, None, at=self._at(None, cid), ending=RESTARTED)
        if isinstance(self.floor.clock, FollowingClock):
            self.floor.clock.rebase()
        self.on_change()
        return gone

    def _at(self, platform_at: float | None, chat_id: str = "") -> float | None:
        """The floor's time of an event the platform says happened at ``platform_at``: that time (replayed
        history keeps its times), but never later than now here (a platform clock ahead of this one; a jump
        too far ahead is not believed, see :mod:`hitl_console.bridge.clock`) nor earlier than the latest
        event of the chat ``chat_id`` (its opening, last message, open takeover...); None (now) when the
        platform gives no time. Every correction is counted (``clock_fixes``) and logged: a jump as a
        ``bridge.malformed`` event (applied all the same), a time behind its chat once per stream as a
        ``bridge.link`` event."""
        clock = self.floor.clock
        t: float | None = None
        if platform_at is not None and math.isfinite(platform_at):
            if isinstance(clock, FollowingClock) and not clock.observe(platform_at):
                self._jumped(chat_id, platform_at - clock.now(), clock.max_step_s)
            else:
                t = min(platform_at, clock.now())
        chat = self.floor.chats.get(chat_id) if chat_id else None
        if chat is not None:
            floor_t = clock.now() if t is None else t
            if floor_t < chat.last_at:
                if chat.last_at - floor_t > CLOCK_SLACK_S:
                    self._behind(chat_id, chat.last_at - floor_t)
                return chat.last_at
        return t

    def _jumped(self, chat_id: str, lead: float, step: float) -> None:
        self.link.clock_fixes += 1
        event_id, data = self._current
        self.floor.note(
            EventType.BRIDGE_MALFORMED,
            chat_id,
            {"event_id": event_id or None, "applied": True,
             "error": f"its time is {lead:.0f} s ahead of the console's clock (a jump of more than {step:.0f} s "
                      "that the event before did not make): applied at its arrival instead",
             "data": clean_text(data[:2000])},
        )

    def _behind(self, chat_id: str, behind_s: float) -> None:
        self.link.clock_fixes += 1
        if self._behind_noted:
            return
        self._behind_noted = True
        self.floor.note(
            EventType.BRIDGE_LINK,
            chat_id,
            {"state": self.link.state.value, "url": self.link.url, "last_event_id": self.link.last_event_id,
             "error": f"the platform's time of an event of chat {chat_id} is {behind_s:.3f} s before the chat's "
                      "latest event (a platform clock that went back?): logged at the chat's latest time; "
                      "further such events on this stream are only counted (clock fixes)",
             "clock_behind": True, "behind_s": round(behind_s, 3)},
        )

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
        self._last = self._current = (event_id, data)
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
            if ev.ending:  # no outcome: the platform lost the chat (e.g. in a restart)
                floor.close(ev.chat_id, None, at=self._at(ev.at, ev.chat_id), ending=ev.ending)
                return
            floor.close(
                ev.chat_id,
                Role(ev.resolved_by) if ev.resolved_by else None,
                rating=ev.rating,
                abandoned=ev.abandoned,
                at=self._at(ev.at, ev.chat_id),
            )
