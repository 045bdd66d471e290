"""The floor under live load: changed lines drawn in small windows, and the order held while the supervisor moves."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from hitl_console.config import Thresholds
from hitl_console.core.models import ChatStatus
from hitl_console.tui.order import keep_order
from hitl_console.tui.view import ChatRow
from hitl_console.tui.widgets.floor_table import FloorTable


def chat(i: int) -> ChatRow:
    return ChatRow(id=f"C{i:05d}", customer=f"Customer {i}", intent="order_status", status=ChatStatus.AI, holder=None,
                   frustration=0.1, trend=0.0, spark=(0.1,), confidence=0.9, risk=0.1, candidate=False, trigger=None,
                   trigger_reason="", trigger_at=None, last_text=f"message {i}", last_at=0.0, opened_at=float(i),
                   version=1)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        t = FloorTable("me", Thresholds())
        t.slice_lines = 4
        yield t


async def settle(pilot: Pilot[None], t: FloorTable) -> None:
    for _ in range(250):
        await pilot.pause(0.02)
        if not t._pending and not t._slice_armed:
            return
    raise AssertionError("the table never finished its repaint")


async def test_a_new_view_is_repainted_in_windows_until_every_line_is_current() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 30)) as pilot:
        t = app.query_one(FloorTable)
        first = [chat(i) for i in range(60)]
        t.set_rows(first, 0.0)
        await settle(pilot, t)
        slices: list[list[int]] = []
        plain_refresh = t.refresh_line
        plain_slice = t._draw_slice

        def refresh_line(y: int) -> None:
            if slices:
                slices[-1].append(y)
            plain_refresh(y)

        def draw_slice() -> None:
            slices.append([])
            plain_slice()

        t.refresh_line = refresh_line  # type: ignore[method-assign]
        t._draw_slice = draw_slice  # type: ignore[method-assign]
        moved = [replace(r, version=2) if i % 3 == 0 and i else r for i, r in enumerate(first)]  # a third moved on
        t.set_rows(moved, 0.0)
        await settle(pilot, t)
        drawn = [ys for ys in slices if ys]
        changed = [y for y in range(1, t.size.height) if y % 3 == 0]  # the visible ones
        assert sorted(y for ys in drawn for y in ys) == changed  # each changed line, once
        assert len(drawn) >= 2 and all(max(ys) - min(ys) < 4 for ys in drawn)  # in windows of 4 lines
        assert all(t._drawn.get(y) == t._line_key(y) for y in range(t.size.height))  # every line is current


async def test_without_slices_a_view_is_drawn_at_once() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 30)) as pilot:
        t = app.query_one(FloorTable)
        t.slice_lines = 0
        t.set_rows([chat(i) for i in range(60)], 0.0)
        await pilot.pause()
        t.set_rows([replace(chat(i), version=2) for i in range(60)], 0.0)
        assert not t._pending and not t._slice_armed
        await pilot.pause()
        assert all(t._drawn.get(y) == t._line_key(y) for y in range(t.size.height))


def test_keep_order_keeps_the_lines_and_adds_new_chats_sorted_below() -> None:
    shown = [chat(3), chat(1), chat(2)]
    fresh = [replace(chat(1), risk=0.9), chat(2), chat(5), replace(chat(4), risk=0.8)]  # 3 left, 4 and 5 came
    out = keep_order(shown, fresh, "risk", "me")
    assert [r.id for r in out] == ["C00001", "C00002", "C00004", "C00005"]
    assert out[0].risk == 0.9  # the new values, in the old place


async def test_the_order_holds_while_the_supervisor_moves_and_catches_up_after(tmp_path: Path) -> None:
    from test_tui_support import advance, make_console, table

    from hitl_console.tui.order import sort_rows
    from hitl_console.tui.screens import floor

    app, rt = make_console(tmp_path / "log.db", chats=20, warmup_s=120.0)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.pause()
        t = table(app)
        await pilot.press("down")
        before = [r.id for r in t.rows]
        selected = t.selected_id
        await advance(app, 120.0)  # the floor moves on while the cursor was just moved
        kept = [r.id for r in t.rows if r.id in set(before)]
        assert kept == [i for i in before if i in set(kept)]  # the chats still there kept their order
        assert t.selected_id == selected or selected not in {r.id for r in t.rows}
        assert "held while you move" in str(app.screen.query_one("#order").render())
        t._moved_at -= floor.ORDER_HOLD_S  # the supervisor stopped moving
        await advance(app, 1.0)
        assert [r.id for r in t.rows] == [r.id for r in sort_rows(t.rows, "needs_human", "alice")]
        assert "held" not in str(app.screen.query_one("#order").render())
    rt.close()


async def test_the_cursor_follows_its_chat_in_view_and_keeps_its_place_when_the_chat_leaves_the_view() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 12)) as pilot:
        t = app.query_one(FloorTable)
        rows = [chat(i) for i in range(60)]
        t.set_rows(rows, now=0.0)
        await pilot.pause()
        assert t.selected_id == "C00000" and t.cursor == 0
        # two new escalations come in above: the chat moves down two lines, still in view, the cursor follows it
        t.set_rows([chat(100), chat(101), *rows], now=1.0)
        assert t.selected_id == "C00000" and t.cursor == 2
        # a colleague takes it and it sorts 50 lines down: the view stays at the top, the cursor on line 2
        moved = [chat(100), chat(101), *rows[1:50], rows[0], *rows[50:]]
        t.set_rows(moved, now=2.0)
        await pilot.pause()
        assert int(t.scroll_offset.y) == 0
        assert t.cursor == 2 and t.selected_id == moved[2].id
        # a chat moved by the supervisor's own keys is followed as before
        await pilot.press("end")
        assert t.selected_id == moved[-1].id and int(t.scroll_offset.y) > 0
        t.to_top()
        await pilot.pause()
        assert t.cursor == 0 and t.selected_id == moved[0].id and int(t.scroll_offset.y) == 0


async def test_the_cursor_never_hides_under_a_scrollbar_on_a_small_terminal() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        t = app.query_one(FloorTable)
        t.set_rows([chat(i) for i in range(100)], now=0.0)
        await pilot.pause()
        assert not t.show_horizontal_scrollbar  # lines are cut to the width; the last line stays a chat
        for _ in range(25):
            await pilot.press("down")
        await pilot.pause()
        top = int(t.scroll_offset.y)
        assert t.cursor == 25 and top <= t.cursor < top + t.scrollable_content_region.height
        assert t.render_line(t.cursor - top).cell_length == t.scrollable_content_region.width
