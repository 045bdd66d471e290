"""The first review screen: the sessions in the log, newest first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from hitl_console.store.queries import LogReader
from hitl_console.tui.review.text import clean, when

SESSION_PAGE = 500


class SessionsScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Takeovers", tooltip="The takeovers of the selected session"),
        Binding("a", "all", "All sessions", tooltip="The takeovers of every session"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reader: LogReader) -> None:
        super().__init__()
        self.reader = reader

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="title", classes="title", markup=False)
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        tz = getattr(self.app, "tz", None)
        rows = self.reader.sessions(limit=SESSION_PAGE)
        title = self.query_one("#title", Static)
        more = f" (newest {SESSION_PAGE})" if len(rows) == SESSION_PAGE else ""
        title.update(
            f"Sessions in {self.reader.path.name}{more}: enter opens a session's takeovers, a opens all"
        )
        table = self.query_one(DataTable)
        table.add_columns(
            "session", "started", "ended", "source", "supervisor", "agent", "chats", "takeovers"
        )
        for s in rows:
            table.add_row(
                str(s.id),
                when(s.started_at, tz),
                when(s.ended_at, tz),
                clean(s.source or "-"),
                clean(s.supervisor or "-"),
                clean(s.agent or "-"),
                str(s.chats),
                str(s.takeovers),
                key=str(s.id),
            )
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self._open(int(key) if key is not None else None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        self._open(int(key) if key is not None else None)

    def action_all(self) -> None:
        self._open(None)

    def _open(self, session_id: int | None) -> None:
        from hitl_console.tui.review.takeovers import TakeoversScreen

        self.app.push_screen(TakeoversScreen(self.reader, session_id))
