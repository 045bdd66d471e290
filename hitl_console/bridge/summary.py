"""A tally of the chats that closed, for ``simulate --source``: a bridged floor also holds chats that were
under way before the console connected and chats still open when it stops, so the escalations and
takeovers of a chat are counted only once the chat has closed, like its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from hitl_console.core.models import Event, EventType
from hitl_console.core.tally import Tally

_HELD = (EventType.CHAT_ESCALATED, EventType.CHAT_ASSIGNED)


@dataclass
class ClosedChatsTally(Tally):
    """A :class:`Tally` whose every count is about the chats that closed."""

    _pending: dict[str, list[Event]] = field(default_factory=dict)

    def on_event(self, ev: Event) -> None:
        if ev.type in _HELD:
            self._pending.setdefault(ev.chat_id, []).append(ev)
        elif ev.type is EventType.CHAT_CLOSED:
            for held in self._pending.pop(ev.chat_id, []):
                super().on_event(held)
            super().on_event(ev)
        else:
            super().on_event(ev)
