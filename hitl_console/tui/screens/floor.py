"""The floor screen: every live chat, ordered by what needs a human first."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from hitl_console.core.models import ChatStatus
from hitl_console.tui.order import SORTS, filter_rows, keep_order, next_sort, sort_rows
from hitl_console.tui.view import FloorView
from hitl_console.tui.widgets.floor_table import FloorTable, header_line
from hitl_console.tui.widgets.kpi_bar import KpiBar

if TYPE_CHECKING:
    from hitl_console.tui.app import HitlApp

ORDER_HOLD_S = 1.5  # the order stays put this long after the cursor last moved


class FloorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="floor.open", tooltip="Open the selected chat's workspace"),
        Binding("t", "take_over", "Take over", id="floor.take_over", tooltip="Take over the selected chat"),
        Binding("n", "take_next", "Next escalation", id="floor.take_next",
                tooltip="Take over the escalation that has waited longest"),
        Binding("slash", "filter", "Filter", key_display="/", id="floor.filter",
                tooltip="Show only chats matching some words"),
        Binding("s", "sort", "Sort", id="floor.sort", tooltip="Change the order of the chats"),
    ]

    def __init__(self) -> None:
        super().__init__(id="floor")
        self.sort_mode = SORTS[0].id
        self.filter_text = ""
        self.view: FloorView | None = None
        self._order_text = ""

    @property
    def hitl(self) -> HitlApp:
        from hitl_console.tui.app import HitlApp

        assert isinstance(self.app, HitlApp)
        return self.app

    def compose(self) -> ComposeResult:
        app = self.hitl
        yield KpiBar(id="kpis")
        yield Static("", id="order", markup=False)
        yield Static("", id="columns", markup=False)
        table = FloorTable(app.runtime.supervisor, app.runtime.settings.thresholds, id="table")
        table.slice_lines = app.repaint_slice
        yield table
        yield Input(placeholder="filter: words to match (id, customer, intent, status, handler, text); enter keeps, escape clears",
                    id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(FloorTable).focus()
        if self.hitl.view is not None:
            self.show(self.hitl.view)

    def on_screen_resume(self) -> None:
        """Back from a chat's workspace: the cursor on that chat (held there for a moment), so the chat you
        just handled is where you look, whatever the floor did meanwhile."""
        chat_id, self.hitl.left_chat = self.hitl.left_chat, None
        if chat_id is not None:
            self.query_one(FloorTable).select(chat_id)

    def on_floor_table_resized(self, event: FloorTable.Resized) -> None:
        # the titles span the screen; the columns are the table's (one cell narrower with a scrollbar)
        head = header_line(self.size.width, event.width, self.query_one(FloorTable).id_width)
        self.query_one("#columns", Static).update(Text(head, "bold", end=""), layout=False)

    # -- drawing ------------------------------------------------------------------------------------
    def show(self, view: FloorView, *, resort: bool = False) -> None:
        """Show a view. While the supervisor moves the cursor (and for ``ORDER_HOLD_S`` after), the chats
        keep their lines, with new values, so that the chat under the cursor does not jump away; new chats
        are added below. ``resort``: order now (a new sort or filter)."""
        self.view = view
        app = self.hitl
        me = app.runtime.supervisor
        table = self.query_one(FloorTable)
        rows = filter_rows(view.rows, self.filter_text) if self.filter_text else list(view.rows)
        held = not resort and table.moved_within(ORDER_HOLD_S)
        ordered = keep_order(table.rows, rows, self.sort_mode, me) if held else sort_rows(rows, self.sort_mode, me)
        table.set_rows(ordered, view.now)
        self.query_one(KpiBar).show(view.kpis, view.now, app.runtime.db_path)
        self._show_order(len(ordered), len(view.rows), held)

    def _show_order(self, shown: int, total: int, held: bool = False) -> None:
        label = next(s.label for s in SORTS if s.id == self.sort_mode)
        t = Text(" sorted by ", "dim", no_wrap=True, end="")
        t.append(label, "bold")
        if held:
            t.append(" (held while you move)", "italic")
        if self.filter_text:
            t.append("   filter ", "dim")
            t.append(self.filter_text, "bold yellow")
            t.append(f"  ({shown} of {total} chats)", "dim")
        t.append("   ! escalated (status: why)  ⚑ proactive candidate (risk ≥ warning)  ● yours", "dim")
        if t.plain != self._order_text:
            self._order_text = t.plain
            self.query_one("#order", Static).update(t, layout=False)

    def refresh_now(self, *, to_top: bool = False) -> None:
        """Order the view now; ``to_top``: then put the cursor on the first chat (a new order or filter)."""
        if self.view is not None:
            self.show(self.view, resort=True)
            if to_top:
                self.query_one(FloorTable).to_top()

    # -- actions ------------------------------------------------------------------------------------
    def _selected_id(self) -> str | None:
        row = self.query_one(FloorTable).selected
        return row.id if row else None

    async def action_open(self) -> None:
        cid = self._selected_id()
        if cid is not None:
            await self.hitl.open_chat(cid)

    async def action_take_over(self) -> None:
        cid = self._selected_id()
        if cid is None:
            self.notify("No chat selected.", severity="warning")
            return
        await self.hitl.take_over(cid)

    async def action_take_next(self) -> None:
        await self.hitl.refresh_view()  # a colleague may have taken the oldest one since the last tick
        view = self.view
        waiting = [r for r in view.rows if r.status is ChatStatus.ESCALATED] if view else []
        if not waiting or view is None:
            self.notify("No escalation is waiting.")
            return
        oldest = min(waiting, key=lambda r: (r.trigger_at if r.trigger_at is not None else view.now, -r.risk))
        await self.hitl.take_over(oldest.id)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    def action_sort(self) -> None:
        self.sort_mode = next_sort(self.sort_mode).id
        self.refresh_now(to_top=True)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.refresh_now(to_top=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = bool(self.filter_text)
        self.query_one(FloorTable).focus()

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_focus or self.filter_text:
            self.filter_text = ""
            box.value = ""
            box.display = False
            self.query_one(FloorTable).focus()
            self.refresh_now(to_top=True)
