"""The floor: one line per live chat, drawn with Textual's Line API.

Only visible lines are rendered, each from a frozen :class:`~hitl_console.tui.view.ChatRow`; a rendered
line is cached under the row's version (and its waiting time in whole seconds), and a new view refreshes
only the visible lines whose key changed. Thousands of chats and thousands of events a second cost the
screen no more than the few dozen lines it shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hitl_console.config import Thresholds
from hitl_console.core.models import ChatStatus
from hitl_console.tui.cells import arrow, bar, duration, spark
from hitl_console.tui.view import ChatRow

TITLES = ("", "chat", "customer", "intent", "handler", "status", "frustration", "conf", "risk", "wait",
          "last message")
TRIGGER_LABELS = {"technical": "technical", "emotional": "emotional", "customer_request": "requested",
                  "ineligible": "off-scope"}
SHORT_TITLES = {"frustration": "frust", "customer": "customer"}


@dataclass(frozen=True, slots=True)
class Layout:
    """Widths of the columns before the last message (0: column hidden); the last message takes the rest."""

    widths: tuple[int, ...]
    spark: bool  # the frustration cell carries its sparkline
    risk_bar: bool  # the risk cell carries its bar
    min_last: int = 20  # used when it leaves the last message at least this many cells

    @property
    def fixed(self) -> int:
        """Cells taken by the shown columns and their separators."""
        return sum(w + 1 for w in self.widths if w)

    def with_id(self, width: int) -> Layout:
        """This layout with the chat id column ``width`` cells wide."""
        return replace(self, widths=(self.widths[0], width, *self.widths[2:]))


# From the widest to the narrowest; the first one that leaves the last message its ``min_last`` cells is used.
LAYOUTS: tuple[Layout, ...] = (
    Layout((1, 6, 16, 18, 12, 9, 15, 4, 10, 5), spark=True, risk_bar=True),
    Layout((1, 6, 10, 16, 9, 9, 15, 4, 10, 5), spark=True, risk_bar=True),
    Layout((1, 6, 10, 16, 8, 9, 5, 4, 4, 5), spark=False, risk_bar=False),
    Layout((1, 6, 8, 12, 0, 9, 5, 4, 4, 5), spark=False, risk_bar=False, min_last=12),  # no handler: ● marks yours
    Layout((1, 6, 8, 0, 0, 9, 5, 4, 4, 5), spark=False, risk_bar=False),  # under 75 columns: no intent either
)
# The chat id column: as wide as the longest id seen (a platform's ids may be UUIDs), within these bounds;
# a longer id keeps its start and its end ("3f2a9c…a4e60"), where ids that share a prefix differ.
ID_MIN = 6
ID_MAX = 13


def _fit(text: str, width: int) -> str:
    """``text`` in ``width`` cells, with an ellipsis when it is cut."""
    return text if cell_len(text) <= width else set_cell_size(text, max(0, width - 1)) + "…"


def fit_middle(text: str, width: int) -> str:
    """``text`` in ``width`` cells; when it is cut, its start and end with an ellipsis between them."""
    if cell_len(text) <= width:
        return text
    if width < 3:
        return set_cell_size(text, width)
    head = width // 2
    tail = width - 1 - head
    return set_cell_size(text, head) + "…" + text[len(text) - tail:]


@lru_cache(maxsize=64)
def layout_for(width: int, id_width: int = ID_MIN) -> Layout:
    for lay in LAYOUTS:
        lay = lay.with_id(id_width)
        if width - lay.fixed >= lay.min_last:
            return lay
    return LAYOUTS[-1].with_id(id_width)


_RED = Style(color="bright_red", bold=True)
_ORANGE = Style(color="dark_orange")
_YELLOW = Style(color="yellow")
_GREEN = Style(color="green")
_CYAN = Style(color="cyan")
_DIM = Style(dim=True)
_PLAIN = Style()
_STATUS = {
    ChatStatus.AI: _CYAN,
    ChatStatus.ESCALATED: Style(color="bright_red", bold=True, reverse=True),
    ChatStatus.HUMAN: _GREEN,
    ChatStatus.CLOSED: _DIM,
}


def header_line(width: int, table_width: int | None = None, id_width: int = ID_MIN) -> str:
    """The column titles, ``width`` cells wide, for a table ``table_width`` cells wide (default: ``width``)
    whose chat id column is ``id_width`` cells wide."""
    lay = layout_for(width if table_width is None else table_width, id_width)
    parts = []
    for title, w in zip(TITLES, lay.widths, strict=False):
        if w:
            parts.append(set_cell_size(title if len(title) <= w else SHORT_TITLES.get(title, title), w))
    room = (width if table_width is None else table_width) - lay.fixed
    parts.append(TITLES[-1] if room >= len(TITLES[-1]) else "message")
    return set_cell_size(" ".join(parts), max(0, width))


class FloorTable(ScrollView, can_focus=True):
    """The live chats, one per line, with a cursor that follows the selected chat as the order changes,
    as long as the chat stays in view: a chat that the new order takes out of view leaves the cursor where
    it is on the screen, so the view never scrolls by itself (the queue at the top stays in sight)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="floor.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="floor.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="floor.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="floor.page_down"),
        Binding("home", "jump(0)", "First", show=False, id="floor.first"),
        Binding("end", "jump(-1)", "Last", show=False, id="floor.last"),
    ]
    COMPONENT_CLASSES = {"floor-table--cursor"}
    # Lines are cut to the width: no horizontal scrollbar, which would hide the last line (and the cursor
    # when it is there) while the table counts it as visible.
    DEFAULT_CSS = """
    FloorTable {
        overflow-x: hidden;
    }
    """

    class Resized(Message):
        """The table's width, or its id column's, changed (the screen redraws the column titles for it)."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    def __init__(self, me: str, thresholds: Thresholds, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.me = me
        self.th = thresholds
        self.rows: list[ChatRow] = []
        self.now = 0.0
        self.cursor = 0
        self.selected_id: str | None = None
        self.id_width = ID_MIN  # grows to the longest id seen (up to ID_MAX), never shrinks: no flapping
        self._cache: dict[tuple[object, ...], Strip] = {}
        self._base_style: Style | None = None  # this widget's rich_style (costly: it walks the ancestors)
        self._drawn: dict[int, tuple[object, ...]] = {}
        # Repaint in slices (0: off). Textual repaints, in one pass, the box around every line marked dirty,
        # so a new view that changed 20 lines scattered over the table repaints the whole screen (20-50 ms
        # under load), and a key press waits for it. With slices, the changed lines are repainted a window
        # of ``slice_lines`` consecutive lines at a time, ``slice_gap_s`` apart, and held back for a moment
        # after a key press, so the cursor's own repaint stays two lines.
        self.slice_lines = 0
        self.slice_gap_s = 0.012
        self._pending: list[int] = []
        self._slice_armed = False
        self._moved_at = float("-inf")

    @property
    def view_size(self) -> Size:
        """The lines and cells the chats are drawn in: the widget less its scrollbar (the widget's ``size``
        includes it; there is no horizontal scrollbar: lines are cut to fit)."""
        return self.scrollable_content_region.size

    # -- data ---------------------------------------------------------------------------------------
    @property
    def selected(self) -> ChatRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def set_rows(self, rows: list[ChatRow], now: float) -> None:
        """Show a new ordered list; repaint only the visible lines that changed."""
        self.rows = rows
        self.now = now
        longest = max((len(r.id) for r in rows), default=0)
        if longest > self.id_width and self.id_width < ID_MAX:
            self.id_width = min(longest, ID_MAX)
            self._cache.clear()
            self._drawn.clear()
            self.refresh()
            self.post_message(self.Resized(self.view_size.width))
        if self.selected_id is not None:
            top, height = int(self.scroll_offset.y), self.view_size.height
            for i, r in enumerate(rows):
                if r.id == self.selected_id:
                    if height <= 0 or top <= i < top + height:
                        self.cursor = i
                    break
        self.cursor = max(0, min(self.cursor, len(rows) - 1))
        sel = self.selected
        self.selected_id = sel.id if sel else None
        if self.virtual_size.height != len(rows):
            self.virtual_size = Size(self.view_size.width, len(rows))
        self._keep_cursor_visible()
        self._refresh_changed()

    def _line_key(self, index: int) -> tuple[object, ...]:
        r = self.rows[index]
        wait = int(r.waiting_s(self.now)) if r.status is ChatStatus.ESCALATED or r.reply_due_at is not None else -1
        return (r.id, r.version, wait, index == self.cursor)

    def _refresh_changed(self) -> None:
        top = int(self.scroll_offset.y)
        height = self.view_size.height
        drawn = self._drawn
        changed = [y for y in range(top, min(top + height, len(self.rows))) if drawn.get(y) != self._line_key(y)]
        if len(self.rows) < top + height:
            for y in range(len(self.rows), top + height):
                if y in drawn:
                    drawn.pop(y)
                    changed.append(y)
        if not self.slice_lines:
            for y in changed:
                self.refresh_line(y)
            return
        self._pending = changed  # in order; a newer view supersedes what the last one left to draw
        if changed and not self._slice_armed:
            self._slice_armed = True
            self.set_timer(self.slice_gap_s, self._draw_slice)

    def _draw_slice(self) -> None:
        """Refresh the pending lines (those still out of date) within one window, then schedule the rest."""
        self._slice_armed = False
        pending = self._pending
        if pending and time.monotonic() - self._moved_at < 2 * self.slice_gap_s:
            self._slice_armed = True  # a key press is being drawn: keep its repaint small
            self.set_timer(self.slice_gap_s, self._draw_slice)
            return
        drawn = self._drawn
        n = len(self.rows)
        stale = [y for y in pending if y >= n or drawn.get(y) != self._line_key(y)]
        if not stale:
            self._pending = []
            return
        end = stale[0] + self.slice_lines
        for y in stale:
            if y >= end:
                break
            self.refresh_line(y)
        self._pending = [y for y in stale if y >= end]
        if self._pending:
            self._slice_armed = True
            self.set_timer(self.slice_gap_s, self._draw_slice)

    def _keep_cursor_visible(self) -> None:
        height = self.view_size.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    # -- keys ---------------------------------------------------------------------------------------
    def move_to(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(index, len(self.rows) - 1))
        if index == self.cursor:
            return
        old = self.cursor
        self._moved_at = time.monotonic()
        self.cursor = index
        self.selected_id = self.rows[index].id
        self.refresh_line(old)
        self.refresh_line(index)
        self._keep_cursor_visible()

    def select(self, chat_id: str) -> None:
        """The cursor on ``chat_id`` if it is on the floor (as a move: the order holds for a moment)."""
        for i, r in enumerate(self.rows):
            if r.id == chat_id:
                self.move_to(i)
                return

    def to_top(self) -> None:
        """The cursor on the first chat and the view at the top (a new order or filter), without counting
        as a key press (the order is not held)."""
        self.cursor = 0
        self.selected_id = self.rows[0].id if self.rows else None
        self.scroll_to(y=0, animate=False, immediate=True)
        self._drawn.clear()
        self.refresh()

    def moved_within(self, seconds: float) -> bool:
        """The cursor was moved by a key within the last ``seconds``."""
        return time.monotonic() - self._moved_at < seconds

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.view_size.height - 1))

    def action_jump(self, where: int) -> None:
        self.move_to(len(self.rows) - 1 if where < 0 else 0)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None  # kept as long as Textual keeps its own style caches of this widget
        self._cache.clear()

    def _base(self) -> Style:
        style = self._base_style
        if style is None:
            style = self._base_style = self.rich_style
        return style

    def on_resize(self) -> None:
        self.post_message(self.Resized(self.view_size.width))
        self._cache.clear()
        self._drawn.clear()
        self.virtual_size = Size(self.view_size.width, len(self.rows))
        self._keep_cursor_visible()

    # -- drawing ------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.view_size.width
        if not 0 <= index < len(self.rows):
            self._drawn.pop(index, None)
            return Strip.blank(width, self._base())
        key = self._line_key(index)
        self._drawn[index] = key
        ck = (*key, width)
        strip = self._cache.get(ck)
        if strip is None:
            if len(self._cache) > 4000:
                self._cache.clear()
            strip = self._render_row(self.rows[index], width, index == self.cursor)
            self._cache[ck] = strip
        return strip

    def _render_row(self, r: ChatRow, width: int, is_cursor: bool) -> Strip:
        th = self.th
        segs: list[Segment] = []
        lay = layout_for(width, self.id_width)
        widths = lay.widths
        rest = width - lay.fixed
        last = len(widths)

        def cell(text: str, style: Style, i: int) -> None:
            if i == last:
                segs.append(Segment(set_cell_size(text, max(0, rest)), style))
                return
            w = widths[i]
            if w:
                segs.append(Segment(set_cell_size(text, w), style))
                segs.append(Segment(" "))

        if r.status is ChatStatus.ESCALATED:
            cell("!", _RED, 0)
        elif r.candidate:
            cell("⚑", _ORANGE, 0)
        elif r.holder == self.me:
            cell("●", _GREEN, 0)
        else:
            cell(" ", _PLAIN, 0)
        cell(fit_middle(r.id, widths[1]), _PLAIN, 1)
        cell(_fit(r.customer, widths[2]), _PLAIN, 2)
        cell(_fit(r.intent, widths[3]), _DIM if r.intent == "?" else _PLAIN, 3)
        if r.holder is not None:
            handler = "me" if r.holder == self.me else r.holder
        else:
            handler = "queue" if r.status is ChatStatus.ESCALATED else "AI"  # an escalation waits for a human
        cell(fit_middle(handler, widths[4]), _GREEN if r.holder == self.me else _PLAIN, 4)  # colleague-1 -> coll…e-1
        # an escalated chat shows why it escalated (the row's mark and colour say that it did)
        status = TRIGGER_LABELS.get(r.trigger or "", r.status.value) if r.status is ChatStatus.ESCALATED \
            else r.status.value
        cell(status, _STATUS[r.status], 5)
        f = r.frustration
        fstyle = _RED if f >= th.frustration else _YELLOW if f >= th.frustration * 0.6 else _GREEN
        cell(f"{f:.2f}{arrow(r.trend)} {spark(r.spark, 8)}" if lay.spark else f"{f:.2f}{arrow(r.trend)}", fstyle, 6)
        c = r.confidence
        if c is None:
            cell("  - ", _DIM, 7)
        else:
            cstyle = _RED if c < th.confidence else _YELLOW if c < th.confidence + 0.15 else _GREEN
            cell(f"{c:.2f}", cstyle, 7)
        k = r.risk
        if r.status is not ChatStatus.AI:
            kstyle = _DIM  # the forecast is about chats the AI still handles
        else:
            kstyle = _RED if k >= th.risk_warning else _YELLOW if k >= th.risk_warning * 0.7 else _GREEN
        cell(f"{k:.2f} {bar(k, 5)}" if lay.risk_bar else f"{k:.2f}", kstyle, 8)
        if r.status is ChatStatus.ESCALATED:
            cell(duration(r.waiting_s(self.now)).rjust(5), _RED, 9)
        elif r.reply_due_at is not None:  # a human holds it; the customer waits for their reply
            cell(duration(r.waiting_s(self.now)).rjust(5), _YELLOW if r.holder == self.me else _DIM, 9)
        else:
            cell("", _PLAIN, 9)
        cell(r.last_text, _DIM, 10)
        cursor = self.get_component_rich_style("floor-table--cursor") if is_cursor else None
        if rest >= 0:  # the cells fill the width exactly: one strip, the same segments
            if cursor is not None:
                return Strip(Segment.apply_style(segs, cursor), width)
            return Strip(segs, width)
        strip = Strip(segs).adjust_cell_length(width, self._base())
        if cursor is not None:
            strip = strip.apply_style(cursor)
        return strip
