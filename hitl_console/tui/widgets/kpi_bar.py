"""The floor's header: KPIs, the takeover load, the clock and the log's path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from hitl_console.tui.cells import clock, duration
from hitl_console.tui.safe_text import clean
from hitl_console.tui.view import Kpis

COMPACT_BELOW = 100  # narrower terminals get short labels, so that the takeover count stays on screen


def kpi_text(
    k: Kpis, now: float, db_path: Path | None, clock_text: Text | None = None, lead: Text | None = None,
    compact: bool = False,
) -> Text:
    """The header line. ``clock_text`` takes the place of the time of day and ``lead`` comes first (the
    rehearsal's scenario clock and title); without them, the live floor's line. ``compact``: short labels
    (``wait``, ``mine``, ``done``) for a narrow terminal."""
    t = Text(no_wrap=True, overflow="ellipsis", end="")
    if lead is not None:
        t.append_text(lead)
    t.append(" live ", "dim")
    t.append(str(k.live), "bold")
    if not compact:  # a narrow line shows the AI's share after the takeover load, which must stay visible
        t.append("  AI ", "dim")
        t.append(f"{k.ai_share * 100:.0f}%", "bold cyan")
    t.append("  wait " if compact else "  waiting ", "dim")
    t.append(str(k.waiting), "bold reverse bright_red" if k.waiting else "bold")
    if k.waiting:
        t.append(f" ({duration(k.oldest_wait_s)})" if compact else f" (oldest {duration(k.oldest_wait_s)})",
                 "bright_red")
    t.append("  mine " if compact else "  my takeovers ", "dim")
    over = k.mine > k.cap
    t.append(f"{k.mine}/{k.cap}", "bold reverse yellow" if over else "bold green" if k.mine else "bold")
    if over:  # right after the count: a narrow terminal cuts the end of the line, never this
        t.append(" OVER CAP", "bold reverse yellow")
    if over or k.avg_reply_s is not None:
        t.append("  reply " if compact else "  avg reply ", "dim")
        t.append("-" if k.avg_reply_s is None else duration(k.avg_reply_s), "bold yellow" if over else "bold")
    if compact:
        t.append("  AI ", "dim")
        t.append(f"{k.ai_share * 100:.0f}%", "bold cyan")
    t.append("  done " if compact else "  closed ", "dim")
    t.append(str(k.closed))
    t.append("  ")
    if clock_text is None:
        t.append(clock(now), "bold")
    else:
        t.append_text(clock_text)
    t.append("  log ", "dim")
    t.append(clean(str(db_path)) if db_path else "(none)")
    return t


class KpiBar(Static):
    """One line of KPIs; updated only when its text changes, without a layout pass (its height is fixed:
    a layout of the whole screen per update cost ~100 ms under load).

    ``clock``: from the floor's time, a text to lead the line and one to show instead of the time of day.
    Without it, the bar takes the app's ``kpi_clock`` method if the app has one (the rehearsal's scenario
    clock and title); the live floor has none."""

    def __init__(
        self, *, id: str | None = None, clock: Callable[[float], tuple[Text, Text]] | None = None
    ) -> None:
        super().__init__("", id=id, markup=False)
        self._last = ""
        self.clock = clock

    def on_mount(self) -> None:
        if self.clock is None:
            self.clock = getattr(self.app, "kpi_clock", None)

    def show(self, k: Kpis, now: float, db_path: Path | None) -> None:
        compact = 0 < self.size.width < COMPACT_BELOW
        if self.clock is None:
            text = kpi_text(k, now, db_path, compact=compact)
        else:
            lead, at_clock = self.clock(now)
            text = kpi_text(k, now, db_path, at_clock, lead, compact=compact)
        plain = text.plain + str(k.mine > k.cap)
        if plain != self._last:
            self._last = plain
            self.update(text, layout=False)  # one line, fixed height: no layout pass
