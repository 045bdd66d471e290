"""A Line API list of takeovers that fetches only the pages it shows (a log of 100,000 chats stays smooth)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from hitl_console.store.queries import TakeoverRow
from hitl_console.tui.review.text import clean, secs, when

PAGE = 100
Fetch = Callable[[int, int], list[TakeoverRow]]  # (offset, limit) -> rows

COLUMNS: list[tuple[str, int]] = [
    ("chat", 8),
    ("sess", 4),
    ("supervisor", 12),
    ("kind", 10),
    ("trigger", 16),
    ("taken", 19),
    ("wait", 6),
    ("held", 7),
    ("msgs", 4),
    ("ending", 11),
    ("rating", 6),
    ("duration", 8),
    ("intent", 0),
]
_PLAIN = Style()
_DIM = Style(dim=True)
_HEAD = Style(bold=True)
_TRIGGER = {
    "technical": Style(color="cyan"),
    "emotional": Style(color="red"),
    "customer_request": Style(color="yellow"),
    "ineligible": Style(color="magenta"),
}


def header_text(width: int) -> Strip:
    return _line([(name, _HEAD) for name, _ in COLUMNS], width)


def _line(cells: list[tuple[str, Style]], width: int) -> Strip:
    segs: list[Segment] = []
    fixed = sum(w for _, w in COLUMNS) + len(COLUMNS) - 1
    for (text, style), (_, w) in zip(cells, COLUMNS, strict=True):
        size = w or max(0, width - fixed)
        segs.append(Segment(set_cell_size(clean(text), size), style))
        segs.append(Segment(" "))
    return Strip(segs).adjust_cell_length(width)


class ColumnHeader(Widget):
    """The column names above a :class:`TakeoverList`."""

    DEFAULT_CSS = "ColumnHeader { height: 1; }"

    def render_line(self, y: int) -> Strip:
        return header_text(self.size.width) if y == 0 else Strip.blank(self.size.width)


class TakeoverList(ScrollView, can_focus=True):
    """Rows come from ``fetch`` a page at a time; only visible lines are drawn."""

    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "open", "Open timeline", tooltip="Replay the selected takeover's chat"),
    ]
    COMPONENT_CLASSES = {"takeover-list--cursor"}
    DEFAULT_CSS = """
    TakeoverList { height: 1fr; }
    TakeoverList > .takeover-list--cursor { background: $accent 40%; text-style: bold; }
    """

    class Opened(Message):
        def __init__(self, row: TakeoverRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, tz: tzinfo | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tz = tz
        self.total = 0
        self.cursor = 0
        self._fetch: Fetch | None = None
        self._pages: dict[int, list[TakeoverRow]] = {}
        self.pages_fetched = 0

    def load(self, total: int, fetch: Fetch) -> None:
        """Show ``total`` rows, fetched through ``fetch`` when they become visible."""
        self.total = total
        self._fetch = fetch
        self._pages.clear()
        self.cursor = 0
        self.virtual_size = Size(self.size.width, total)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def row(self, index: int) -> TakeoverRow | None:
        if not 0 <= index < self.total or self._fetch is None:
            return None
        page = index // PAGE
        rows = self._pages.get(page)
        if rows is None:
            if len(self._pages) > 50:
                self._pages.clear()
            rows = self._fetch(page * PAGE, PAGE)
            self._pages[page] = rows
            self.pages_fetched += 1
        i = index - page * PAGE
        return rows[i] if i < len(rows) else None

    @property
    def selected(self) -> TakeoverRow | None:
        return self.row(self.cursor)

    # -- keys ---------------------------------------------------------------------------------------
    def move_to(self, index: int) -> None:
        if self.total == 0:
            return
        index = max(0, min(index, self.total - 1))
        old, self.cursor = self.cursor, index
        self.refresh_line(old)
        self.refresh_line(index)
        height = self.size.height
        top = int(self.scroll_offset.y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif height > 0 and index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 1))

    def action_jump(self, where: int) -> None:
        self.move_to(self.total - 1 if where < 0 else 0)

    def action_open(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(self.Opened(row))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self.move_to(int(self.scroll_offset.y) + y)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total)

    # -- drawing ------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        r = self.row(index)
        if r is None:
            return Strip.blank(width, self.rich_style)
        trig = r.trigger or "-"
        cells = [
            (r.chat_id, _PLAIN),
            (str(r.session_id), _DIM),
            (r.supervisor or "-", _PLAIN),
            (r.kind or "-", _PLAIN),
            (trig, _TRIGGER.get(trig, _DIM)),
            (when(r.taken_at, self.tz), _DIM),
            (secs(r.wait_s), _PLAIN),
            (secs(r.held_s), _PLAIN),
            (str(r.human_messages if r.human_messages is not None else "-"), _PLAIN),
            (r.ending or "open", _PLAIN),
            ("-" if r.rating is None else "★" * r.rating, Style(color="yellow")),
            (secs(r.duration_s), _PLAIN),
            (r.intent or "-", _DIM),
        ]
        strip = _line(cells, width)
        if index == self.cursor:
            strip = strip.apply_style(self.get_component_rich_style("takeover-list--cursor"))
        return strip
