"""The floor's columns fit the terminal: every reading stays visible at 80 columns, names get room when wide."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.app import App, ComposeResult

from hitl_console.config import Thresholds
from hitl_console.core.models import ChatStatus
from hitl_console.tui.view import ChatRow
from hitl_console.tui.widgets.floor_table import LAYOUTS, FloorTable, header_line, layout_for

ROW = ChatRow(id="C00042", customer="Alexandra Montgomery", intent="seller_complaint", status=ChatStatus.ESCALATED,
              holder=None, frustration=0.63, trend=0.2, spark=(0.1, 0.4, 0.63), confidence=0.31, risk=0.57,
              candidate=False, trigger="emotional", trigger_reason="", trigger_at=100.0,
              last_text="This is the third time I ask about the refund", last_at=150.0, opened_at=0.0, version=1)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FloorTable("me", Thresholds())


async def line_at(width: int) -> str:
    app = TableApp()
    async with app.run_test(size=(width, 10)) as pilot:
        t = app.query_one(FloorTable)
        t.set_rows([ROW, replace(ROW, id="C00043")], now=172.0)
        await pilot.pause()
        text = t._render_row(ROW, t.size.width, False).text
        assert len(text) == t.size.width
        head = header_line(t.size.width)
        title = head.find("last message")
        assert (title if title >= 0 else head.index("message")) == text.index("This is")  # titles over cells
        return text


@pytest.mark.parametrize("width", [80, 100, 120, 160, 220])
async def test_every_reading_is_visible_at_any_width(width: int) -> None:
    text = await line_at(width)
    for reading in ("C00042", "emotional", "0.63", "0.31", "0.57", "1:12", "This is the"):
        assert reading in text, (width, reading, text)
    assert "Alex" in text and "seller_" in text


async def test_wide_terminals_give_names_room_and_narrow_ones_cut_them_visibly() -> None:
    assert "Alexandra Montg…" in await line_at(220)
    narrow = await line_at(80)
    assert "…" in narrow  # a cut name says it was cut


def test_layouts_go_from_widest_to_narrowest_and_the_header_matches() -> None:
    fixed = [lay.fixed for lay in LAYOUTS]
    assert fixed == sorted(fixed, reverse=True)
    assert layout_for(400) == LAYOUTS[0] and layout_for(60) == LAYOUTS[-1]
    for width in (59, 79, 99, 119, 159, 219):
        lay = layout_for(width)
        assert width - lay.fixed >= lay.min_last >= 12 or lay == LAYOUTS[-1]
        head = header_line(width)
        assert head.rstrip().endswith("last message" if width >= 79 else "message") and ("handler" in head) == bool(lay.widths[4])


async def test_a_customer_waiting_for_my_reply_shows_the_wait_and_comes_before_the_queue() -> None:
    from hitl_console.tui.order import sort_rows

    mine = replace(ROW, id="C00050", status=ChatStatus.HUMAN, holder="me", reply_due_at=160.0)
    app = TableApp()
    async with app.run_test(size=(160, 10)) as pilot:
        t = app.query_one(FloorTable)
        t.set_rows([mine], now=172.0)
        await pilot.pause()
        line = t._render_row(mine, t.size.width, False).text
    assert " 0:12 " in line and " me " in line
    ai = replace(ROW, id="C00051", status=ChatStatus.AI, trigger=None, trigger_at=None, candidate=True, risk=0.9)
    done = replace(mine, id="C00052", reply_due_at=None)
    order = [r.id for r in sort_rows([done, ai, mine, ROW], "needs_human", "me")]
    assert order == ["C00050", "C00042", "C00051", "C00052"]


def test_a_cut_id_keeps_its_start_and_its_end() -> None:
    from hitl_console.tui.widgets.floor_table import fit_middle

    assert fit_middle("C00042", 6) == "C00042"
    uuid = "3f2a9c1e-77b0-4f7e-9a51-0c3d2e9a4e60"
    cut = fit_middle(uuid, 13)
    assert len(cut) == 13 and cut.startswith("3f2a9c") and cut.endswith("a4e60") and "…" in cut
    assert fit_middle(uuid, 13) != fit_middle("3f2a9c1e-0000-4f7e-9a51-0c3d2e9a1111", 13)


async def test_the_id_column_widens_to_the_longest_id_and_the_titles_follow() -> None:
    app = TableApp()
    async with app.run_test(size=(160, 10)) as pilot:
        t = app.query_one(FloorTable)
        t.set_rows([ROW, replace(ROW, id="C00003-2")], now=172.0)
        await pilot.pause()
        assert t.id_width == 8
        line = t._render_row(replace(ROW, id="C00003-2"), t.size.width, False).text
        assert line.startswith("! C00003-2 ")
        head = header_line(t.size.width, id_width=t.id_width)
        assert head.index("customer") == line.index("Alexandra")
        t.set_rows([replace(ROW, id="3f2a9c1e-77b0-4f7e-9a51-0c3d2e9a4e60")], now=172.0)
        assert t.id_width == 13
        t.set_rows([ROW], now=172.0)  # the column does not shrink back and forth as chats come and go
        assert t.id_width == 13


async def test_at_60_columns_the_readings_and_the_wait_stay_and_a_colleague_keeps_the_end_of_their_name() -> None:
    text = await line_at(60)
    for reading in ("C00042", "emotional", "0.63", "0.31", "0.57", "1:12"):
        assert reading in text, (reading, text)
    app = TableApp()
    async with app.run_test(size=(100, 10)) as pilot:
        t = app.query_one(FloorTable)
        theirs = replace(ROW, status=ChatStatus.HUMAN, holder="colleague-1")
        t.set_rows([theirs], now=172.0)
        await pilot.pause()
        assert " coll…e-1 " in t._render_row(theirs, t.size.width, False).text
