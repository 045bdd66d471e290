"""The floor table's one-strip rendering gives the segments of the general path (pad or cut to the width,
then the cursor style) at every width, and a style change drops the cached strips."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.segment import Segment
from test_tui_support import make_console
from textual.strip import Strip

from hitl_console.tui.widgets.floor_table import FloorTable


def _general(table: FloorTable, segs: list[Segment], width: int, cursor: bool) -> Strip:
    strip = Strip(segs).adjust_cell_length(width, table.rich_style)
    if cursor:
        strip = strip.apply_style(table.get_component_rich_style("floor-table--cursor"))
    return strip


def test_rows_render_like_the_general_path(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db", chats=12)

    async def go() -> None:
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            table = app.screen.query_one(FloorTable)
            assert table.rows
            for width in (40, 90, 130, 137, 200):
                for r in table.rows[:8]:
                    plain = table._render_row(r, width, False)
                    assert plain.cell_length == width
                    raw = list(plain)
                    for cursor in (False, True):
                        fast = table._render_row(r, width, cursor)
                        assert list(fast) == list(_general(table, raw, width, cursor))
                        assert fast.cell_length == width
            table._cache[("x",)] = Strip([])
            base = table._base()
            table.notify_style_update()
            assert ("x",) not in table._cache and table._base_style is None
            assert table._base() == base

    try:
        asyncio.run(go())
    finally:
        rt.close()
