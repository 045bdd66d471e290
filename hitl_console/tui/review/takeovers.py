"""The takeovers of a session (or of all): filter by trigger, kind, supervisor and date range; sort by
time, wait, rating, chat duration or time held. Rows are fetched a page at a time."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from hitl_console.errors import HitlError
from hitl_console.store.queries import SORTS, LogReader, TakeoverFilter, TakeoverRow, parse_time
from hitl_console.tui.review.takeover_list import ColumnHeader, TakeoverList

TRIGGERS: list[str | None] = [None, "technical", "emotional", "customer_request", "ineligible", "none"]
KINDS: list[str | None] = [None, "escalation", "proactive"]


def _cycle(options: list[str | None], current: str | None) -> str | None:
    i = options.index(current) if current in options else 0
    return options[(i + 1) % len(options)]


class TakeoversScreen(Screen[None]):
    BINDINGS = [
        Binding("t", "trigger", "Trigger", tooltip="Filter by trigger (cycles; 'none' = proactive)"),
        Binding("k", "kind", "Kind", tooltip="Filter by takeover kind (cycles)"),
        Binding("s", "supervisor", "Supervisor", tooltip="Filter by supervisor (cycles)"),
        Binding("d", "dates", "Dates", tooltip="Filter by a date range: FROM [TO], ISO dates"),
        Binding("o", "sort", "Sort", tooltip="Sort by time, wait, rating, duration or time held (cycles)"),
        Binding("r", "reverse", "Reverse", tooltip="Reverse the sort order"),
        Binding("c", "clear", "Clear", tooltip="Clear all filters"),
        Binding("escape", "back", "Back"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, reader: LogReader, session_id: int | None) -> None:
        super().__init__()
        self.reader = reader
        self.flt = TakeoverFilter(session_id=session_id)
        self.sort = "taken"
        self.descending = False
        self.supervisor_names = [None, *reader.supervisors(session_id)]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="status", classes="title", markup=False)
        yield Input(
            placeholder="dates: FROM [TO], e.g. 2026-01-01 2026-01-08 (enter applies, empty clears)",
            id="dates",
            classes="hidden",
        )
        yield ColumnHeader(id="columns")
        yield TakeoverList(tz=getattr(self.app, "tz", None), id="takeovers")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(TakeoverList).focus()

    # -- data ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        flt, sort, desc = self.flt, self.sort, self.descending
        total = self.reader.count_takeovers(flt)

        def fetch(offset: int, limit: int) -> list[TakeoverRow]:
            return self.reader.takeovers(flt, sort=sort, descending=desc, limit=limit, offset=offset)

        self.query_one(TakeoverList).load(total, fetch)
        self._status(total)

    def _status(self, total: int) -> None:
        f = self.flt
        parts = [
            "all sessions" if f.session_id is None else f"session {f.session_id}",
            f"trigger={f.trigger or 'any'}",
            f"kind={f.kind or 'any'}",
            f"supervisor={f.supervisor or 'any'}",
        ]
        if f.since is not None or f.until is not None:
            parts.append(f"dates={self._date_text() or 'any'}")
        parts.append(f"sort={self.sort}{' desc' if self.descending else ''}")
        self.query_one("#status", Static).update(f"{total:,} takeovers   " + "   ".join(parts))

    def _date_text(self) -> str:
        return self.query_one("#dates", Input).value.strip()

    # -- actions ------------------------------------------------------------------------------------
    def action_trigger(self) -> None:
        self.flt = replace(self.flt, trigger=_cycle(TRIGGERS, self.flt.trigger))
        self.reload()

    def action_kind(self) -> None:
        self.flt = replace(self.flt, kind=_cycle(KINDS, self.flt.kind))
        self.reload()

    def action_supervisor(self) -> None:
        self.flt = replace(self.flt, supervisor=_cycle(self.supervisor_names, self.flt.supervisor))
        self.reload()

    def action_sort(self) -> None:
        keys = list(SORTS)
        self.sort = keys[(keys.index(self.sort) + 1) % len(keys)]
        self.reload()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.reload()

    def action_clear(self) -> None:
        self.flt = TakeoverFilter(session_id=self.flt.session_id)
        self.query_one("#dates", Input).value = ""
        self.reload()

    def action_dates(self) -> None:
        box = self.query_one("#dates", Input)
        box.remove_class("hidden")
        box.focus()

    def action_back(self) -> None:
        box = self.query_one("#dates", Input)
        if box.has_focus:
            box.add_class("hidden")
            self.query_one(TakeoverList).focus()
            return
        self.app.pop_screen()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        parts = event.value.split()
        try:
            since = parse_time(parts[0], "from") if parts else None
            until = parse_time(parts[1], "to") if len(parts) > 1 else None
        except HitlError as e:
            self.notify(str(e), severity="error", markup=False)
            return
        if until is not None and len(parts[1]) == 10:
            until += 86_400  # a date as the end includes that day
        self.flt = replace(self.flt, since=since, until=until)
        event.input.add_class("hidden")
        self.query_one(TakeoverList).focus()
        self.reload()

    def on_takeover_list_opened(self, event: TakeoverList.Opened) -> None:
        from hitl_console.tui.review.timeline import TimelineScreen

        self.app.push_screen(TimelineScreen(self.reader, event.row.session_id, event.row.chat_id))
