"""The command palette lists the console's actions with what they do; help explains every key."""

from __future__ import annotations

from pathlib import Path

from test_tui_support import SIZE, make_console, rows, select
from textual.binding import Binding
from textual.command import CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import OptionList, Static

from hitl_console.core.models import ChatStatus
from hitl_console.tui.app import HitlApp
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.screens.floor import FloorScreen
from hitl_console.tui.screens.help import HelpScreen, explain
from hitl_console.tui.widgets.floor_table import FloorTable


async def _palette_options(app: HitlApp, pilot: Pilot[int], query: str) -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    if query:
        await pilot.press(*query)
    options: list[str] = []
    last: list[str] = []
    for _ in range(40):
        await pilot.pause(0.05)
        ol = app.screen.query_one(OptionList)
        options = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        if options and options == last:
            break
        last = options
    return options


async def test_palette_lists_floor_and_workspace_actions_and_runs_them(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = " | ".join(await _palette_options(app, pilot, ""))
        for label in ("Take over (t)", "Next escalation (n)", "Filter (/)", "Sort (s)", "Help (?)", "Open (enter)"):
            assert label in shown, shown
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FloorScreen)
        cid = select(app, ChatStatus.AI)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        shown = " | ".join(await _palette_options(app, pilot, ""))
        for label in ("Hand back (h)", "Resolve (r)", "Insert draft (d)", "Brief (b)", "Take over (t)"):
            assert label in shown, shown
        await pilot.press("escape")
        await pilot.pause()
        options = await _palette_options(app, pilot, "take over")
        assert options and "Take over" in options[0]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert rows(db, "SELECT chat_id, kind FROM takeovers") == [(cid, "proactive")]
    rt.close()


async def test_help_explains_every_key(tmp_path: Path) -> None:
    for owner in (FloorTable, FloorScreen, ChatScreen, HitlApp, HelpScreen):
        for b in owner.BINDINGS:
            assert isinstance(b, Binding)
            assert explain(b) and explain(b) != b.description, b.id
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = str(app.screen.query_one("#help-keys", Static).content)
        line = next(ln for ln in text.splitlines() if "[floor.down]" in ln)
        assert "Move to the chat below" in line
    rt.close()


def drawn(widget: Widget) -> list[str]:
    """A widget's lines as drawn on the screen (trailing spaces kept off)."""
    return [strip.text.rstrip() for strip in widget.render_lines(Region(0, 0, *widget.size))]


async def test_help_wraps_a_long_explanation_under_itself_at_100_columns(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        keys = app.screen.query_one("#help-keys")
        text = "\n".join(drawn(keys))  # the lines as the screen draws them
        width = keys.content_size.width
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert any(ln.startswith(" " * 29 + "[") for ln in lines)  # an id that did not fit went under the text
        for ln in lines:
            assert len(ln.rstrip()) <= width, ln  # nothing left for the screen to wrap at column 0
            assert ln.startswith("  ") or ln in ("Floor", "Chat workspace", "Everywhere"), ln
        legend = drawn(app.screen.query_one("#help-legend"))
        assert all(len(ln.rstrip()) <= width for ln in legend)
        cut = legend.index(next(ln for ln in legend if ln.startswith("  !  escalated"))) + 1
        assert legend[cut].startswith("     ")  # the rest of the line, under its text
    rt.close()
