"""SVG snapshots of the floor, the chat workspace and help: fixed size, seed and simulated clock.

Update them after a deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_tui_support import START, make_console, utc  # noqa: F401  (fixture)
from textual.pilot import Pilot
from textual.widgets import Input

from hitl_console.core.models import ChatStatus
from hitl_console.tui.app import HitlApp
from hitl_console.tui.widgets.floor_table import FloorTable

SNAP_SIZE = (140, 36)


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Any:
    request.getfixturevalue("utc")  # times of day in UTC
    monkeypatch.chdir(tmp_path)  # the header shows the log's path: keep it the same in every run
    # simulated colleagues take the escalations left waiting, as on the console's default floor
    app, rt = make_console(Path("log.db"), seed=11, chats=20, warmup_s=240.0, colleagues=2)
    assert rt.floor.clock.now() == START - 240.0
    yield app
    rt.close()


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


def test_floor_snapshot(console: HitlApp, snap_compare: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)

    assert snap_compare(console, terminal_size=SNAP_SIZE, run_before=before)


def test_chat_workspace_snapshot(console: HitlApp, snap_compare: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        app = pilot.app
        assert isinstance(app, HitlApp)
        table = app.screen.query_one(FloorTable)
        index = next(i for i, r in enumerate(table.rows) if r.status is ChatStatus.ESCALATED and r.confidence)
        table.move_to(index)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("i", *"Sorry", "space", *"for", "space", *"the", "space", *"wait!", "enter")
        await pilot.pause()
        await pilot.press("escape", "d")  # leave the composer, then put the AI's draft in it
        for box in app.screen.query(Input):
            box.cursor_blink = False  # a blinking caret makes the picture depend on the moment it is taken
        await _settle(pilot)

    assert snap_compare(console, terminal_size=SNAP_SIZE, run_before=before)


def test_help_snapshot(console: HitlApp, snap_compare: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(console, terminal_size=SNAP_SIZE, run_before=before)
