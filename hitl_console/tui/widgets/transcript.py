"""The workspace's transcript: messages with their scores and the floor's events, shown literally."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.events import Resize
from textual.widgets import RichLog

from hitl_console.core.models import Event, EventType
from hitl_console.tui.cells import clock, duration
from hitl_console.tui.safe_text import clean

_ROLE_STYLE = {"customer": "bold", "ai": "bold cyan", "human": "bold green", "system": "dim"}
_ROLE_LABEL = {"customer": "customer", "ai": "AI", "human": "human", "system": "system"}


def _marker(text: str, style: str) -> Text:
    return Text.assemble(("── ", "dim"), (text, style), (" ──", "dim"))


def entry(ev: Event, me: str, confidence_floor: float, frustration_ceiling: float) -> Text | None:
    """One line (or paragraph) of the transcript for a floor event; None for events not shown."""
    d = ev.data
    head = Text(f"{clock(ev.at)} ", "dim", end="")
    t = ev.type
    if t is EventType.MESSAGE:
        role = str(d.get("role"))
        who = _ROLE_LABEL.get(role, role)
        author = d.get("author")
        if role == "human" and author:
            who = "you" if author == me else clean(str(author))
        head.append(f"{who:<8} ", _ROLE_STYLE.get(role, ""))
        f = d.get("frustration")
        c = d.get("confidence")
        if f is not None:
            style = "bright_red" if f >= frustration_ceiling else "yellow" if f >= 0.4 else "green"
            head.append(f"[frustration {f:.2f}] ", style)
        elif c is not None:
            style = "bright_red" if c < confidence_floor else "yellow" if c < confidence_floor + 0.15 else "green"
            head.append(f"[confidence {c:.2f}] ", style)
        head.append(clean(str(d.get("text", ""))))
        return head
    if t is EventType.CHAT_OPENED:
        intent = d.get("intent") or "unknown intent"
        routed = "to the AI" if d.get("eligible", True) else "to a human"
        head.append_text(_marker(f"chat opened: {clean(str(intent))}, routed {routed} ({clean(str(d.get('route_reason', '')))})", "dim"))
        return head
    if t is EventType.CHAT_ESCALATED:
        head.append_text(
            _marker(f"TRIGGER {d.get('trigger')}" + (f": {reason}" if (reason := clean(str(d.get("reason") or "")).strip())
                                                    else ""), "bold bright_red")
        )
        return head
    if t is EventType.CHAT_ASSIGNED:
        who = "you" if d.get("supervisor") == me else clean(str(d.get("supervisor")))
        kind = d.get("kind")
        extra = f", trigger {d.get('trigger')}, waited {duration(d['wait_s'])}" if d.get("wait_s") is not None else ""
        head.append_text(_marker(f"TAKEOVER by {who} ({kind}{extra})", "bold green"))
        return head
    if t is EventType.CHAT_RELEASED:
        who = "you" if d.get("supervisor") == me else clean(str(d.get("supervisor")))
        head.append_text(_marker(f"HANDED BACK to the AI by {who}", "bold cyan"))
        return head
    if t is EventType.CHAT_CLOSED:
        if d.get("abandoned"):
            what = "ABANDONED by the customer"
        else:
            what = f"RESOLVED by {d.get('resolved_by') or '?'}"
        rating = d.get("rating")
        head.append_text(_marker(f"{what}, rating {rating if rating is not None else '-'}", "bold"))
        return head
    if t is EventType.AGENT_ERROR:
        head.append_text(_marker(f"AI agent error: {clean(str(d.get('error', '')))}", "bold bright_red"))
        return head
    return None


class Transcript(RichLog):
    """A chat's timeline; :meth:`show` appends only the events not written yet.

    Lines wrap to the transcript's own width (never wider), and are wrapped again when that width
    changes (a resize, the brief shown or hidden)."""

    DEFAULT_CSS = """
    Transcript { scrollbar-gutter: stable; }
    """

    def __init__(self, me: str, confidence_floor: float, frustration_ceiling: float, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, highlight=False, auto_scroll=True, min_width=1)
        self.me = me
        self.cf = confidence_floor
        self.fc = frustration_ceiling
        self._last_seq = -1
        self._entries: list[Text] = []
        self._wrapped_at = -1

    def show(self, events: tuple[Event, ...]) -> None:
        for ev in events:
            if ev.seq <= self._last_seq:
                continue
            self._last_seq = ev.seq
            line = entry(ev, self.me, self.cf, self.fc)
            if line is not None:
                self._entries.append(line)
                self.write(line, shrink=True)

    @property
    def wrap_width(self) -> int:
        """The width the lines are wrapped to (the content region, the scrollbar's gutter excluded)."""
        return self.scrollable_content_region.width

    @on(Resize)
    def _rewrap_later(self) -> None:
        self.call_after_refresh(self.rewrap)

    def rewrap(self) -> None:
        """Wrap every line again when the width it was wrapped to is no longer the transcript's."""
        width = self.wrap_width
        if width <= 0 or width == self._wrapped_at:
            return
        self._wrapped_at = width
        at_end = self.is_vertical_scroll_end
        self.clear()
        for line in self._entries:
            self.write(line, shrink=True, scroll_end=False)
        if at_end:
            self.scroll_end(animate=False)
