"""One chat replayed from its logged events: messages with their scores, the trigger, the takeovers,
hand-backs, the close and the rating, with the frustration and confidence curves above them.
``s`` starts a replay, ``n``/``p`` step through the chat, ``a`` shows it all."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from hitl_console.store.queries import ChatTimeline, LogReader, TimelineEntry
from hitl_console.tui.review.chart import CurveChart, Curves
from hitl_console.tui.review.text import clean, num, secs, when

_ROLE_STYLE = {"customer": "bold", "ai": "dodger_blue1", "human": "green", "system": "dim"}


def curves_of(tl: ChatTimeline) -> Curves:
    """The chat's frustration level and AI confidence over time, and where things happened."""
    start = tl.chat.get("opened_at") or (tl.entries[0].at if tl.entries else 0.0)
    end = tl.chat.get("closed_at") or (tl.entries[-1].at if tl.entries else start)
    fr: list[tuple[float, float]] = []
    conf: list[tuple[float, float]] = []
    marks: list[tuple[float, str]] = []
    for e in tl.entries:
        if e.type == "message":
            level = e.level if e.level is not None else e.frustration
            if level is not None and e.role == "customer":
                fr.append((e.at, level))
            if e.confidence is not None and e.role == "ai":
                conf.append((e.at, e.confidence))
        elif e.type == "chat.escalated":
            marks.append((e.at, "trigger"))
        elif e.type == "chat.assigned":
            marks.append((e.at, "takeover"))
        elif e.type == "chat.released":
            marks.append((e.at, "hand_back"))
        elif e.type == "chat.closed":
            marks.append((e.at, "close"))
        elif e.type == "agent.error":
            marks.append((e.at, "error"))
    return Curves(float(start), float(max(end, start)), fr, conf, marks)


def describe(e: TimelineEntry, start: float) -> Text:
    """One timeline line as plain styled text (never markup)."""
    t = Text(f"+{secs(e.at - start):>6} ", style="dim")
    d = e.data
    if e.type == "message":
        role = e.role or "?"
        who = role if not e.author or role == "customer" else f"{role} {e.author}"
        t.append(f"{clean(who):<14} ", style=_ROLE_STYLE.get(role, ""))  # a space even when the name is long
        t.append(clean(e.text))
        scores = []
        if e.frustration is not None:
            scores.append(f"frustration {e.frustration:.2f}")
        if e.level is not None and role == "customer":
            scores.append(f"level {e.level:.2f}")
        if e.confidence is not None:
            scores.append(f"confidence {e.confidence:.2f}")
        if e.risk is not None:
            scores.append(f"risk {e.risk:.2f}")
        if scores:
            t.append("   " + " · ".join(scores), style="dim")
    elif e.type == "chat.opened":
        eligible = "eligible" if d.get("eligible", True) else "not eligible"
        t.append(
            f"opened: intent {clean(d.get('intent') or '?')}, {eligible} ({clean(d.get('route_reason') or '-')})",
            style="bold",
        )
    elif e.type == "chat.escalated":
        t.append(f"TRIGGER {clean(d.get('trigger'))}: {clean(d.get('reason') or '')}", style="bold yellow")
    elif e.type == "chat.assigned":
        wait = d.get("wait_s")
        t.append(
            f"TAKEOVER by {clean(d.get('supervisor'))} ({clean(d.get('kind'))}"
            f"{', waited ' + secs(wait) if isinstance(wait, int | float) else ''})",
            style="bold green",
        )
    elif e.type == "chat.released":
        t.append(f"HANDED BACK to the AI by {clean(d.get('supervisor'))}", style="bold cyan")
    elif e.type == "chat.closed":
        rating = d.get("rating")
        how = "abandoned" if d.get("abandoned") else f"resolved by {clean(d.get('resolved_by') or '?')}"
        stars = "★" * rating if isinstance(rating, int) and 0 < rating <= 5 else "no rating"
        t.append(f"CLOSED: {how}, {stars}", style="bold")
    elif e.type == "agent.error":
        t.append(f"AGENT ERROR: {clean(d.get('error'))}", style="bold red")
    else:
        t.append(f"{clean(e.type)} {clean(d)}", style="dim")
    return t



def _messages(n: int) -> str:
    return f"{n} human message" + ("" if n == 1 else "s")

class TimelineScreen(Screen[None]):
    BINDINGS = [
        Binding("n,right", "step(1)", "Next", tooltip="Replay: show the next entry"),
        Binding("p,left", "step(-1)", "Previous", tooltip="Replay: back one entry"),
        Binding("s,home", "replay", "Replay", tooltip="Replay from the start"),
        Binding("a,end", "show_all", "All", tooltip="Show the whole chat"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reader: LogReader, session_id: int, chat_id: str) -> None:
        super().__init__()
        self.tl = reader.timeline(session_id, chat_id)
        self.curves = curves_of(self.tl)
        self.position: int | None = None  # replay cursor: index of the last shown entry; None = all

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._summary(), id="summary", classes="title")
        yield CurveChart(self.curves, id="chart")
        with VerticalScroll(id="timeline"):
            for i, e in enumerate(self.tl.entries):
                yield Static(describe(e, self.curves.start), id=f"entry-{i}", classes="entry")
        yield Footer()

    def _summary(self) -> Text:
        c = self.tl.chat
        tz = getattr(self.app, "tz", None)
        rating = c.get("rating")
        outcome = "abandoned" if c.get("abandoned") else f"resolved by {c.get('resolved_by') or '-'}"
        t = Text()
        t.append(f"{clean(self.tl.chat_id)}", style="bold")
        t.append(
            f"  session {self.tl.session_id}  ·  {clean(c.get('customer') or '?')}  ·  intent {clean(c.get('intent') or '?')}"
        )
        t.append(f"  ·  opened {when(c.get('opened_at'), tz)}  ·  {c.get('status') or '?'}, {outcome}")
        t.append(
            f"  ·  rating {'★' * rating if isinstance(rating, int) else '-'}  ·  {secs(c.get('duration_s'))}"
        )
        for tk in self.tl.takeovers:
            t.append(
                f"\n  takeover {tk.get('takeover_id')}: {clean(tk.get('supervisor'))}, {clean(tk.get('kind'))}"
                f"{' after ' + clean(tk.get('trigger')) if tk.get('trigger') else ''}, wait {secs(tk.get('wait_s'))},"
                f" frustration {num(tk.get('frustration_at_takeover'))}, confidence {num(tk.get('confidence_at_takeover'))},"
                f" risk {num(tk.get('risk_at_takeover'))}, {_messages(tk.get('human_messages') or 0)},"
                f" {clean(tk.get('ending') or 'open')}",
                style="dim",
            )
        return t

    # -- replay -------------------------------------------------------------------------------------
    def _show(self) -> None:
        chart = self.query_one(CurveChart)
        n = len(self.tl.entries)
        for i in range(n):
            entry = self.query_one(f"#entry-{i}", Static)
            entry.set_class(self.position is not None and i > self.position, "future")
            entry.set_class(self.position == i, "current")
        if self.position is None or n == 0:
            chart.set_cursor(None)
        else:
            chart.set_cursor(self.tl.entries[self.position].at)
            self.query_one(f"#entry-{self.position}", Static).scroll_visible(animate=False)

    def action_step(self, delta: int) -> None:
        n = len(self.tl.entries)
        if n == 0:
            return
        pos = (n - 1 if self.position is None else self.position) + delta
        if self.position is None and delta > 0:
            pos = 0
        self.position = max(0, min(n - 1, pos))
        self._show()

    def action_replay(self) -> None:
        self.position = 0
        self._show()

    def action_show_all(self) -> None:
        self.position = None
        self._show()

    def action_back(self) -> None:
        self.app.pop_screen()
