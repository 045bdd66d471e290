"""The interactive rehearsal: the console's screens over the scenario player, pause, end and debrief."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from hitl_console.config import Settings
from hitl_console.core.models import ChatStatus
from hitl_console.training.driver import RehearsalDriver
from hitl_console.training.interactive import make_app, make_console_runtime
from hitl_console.training.rehearsal import build_rehearsal
from hitl_console.training.tui.debrief_screen import DebriefScreen
from hitl_console.training.tui.rehearsal_app import RehearsalApp
from hitl_console.tui.cells import clock
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.view import Kpis
from hitl_console.tui.widgets.kpi_bar import KpiBar, kpi_text

ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "rehearsal"
SCENARIO = ROOT / "01-technical-escalation.toml"
START = 1_767_225_600.0
SIZE = (150, 40)


def make(db: Path) -> tuple[RehearsalApp, RehearsalDriver]:
    settings = Settings()
    settings.floor.bell = False
    rt = build_rehearsal(SCENARIO, settings, db=db, supervisor="tina", start=START, mode="interactive")
    console = make_console_runtime(rt, speed=0.0, threaded=False)
    app = make_app(rt, console)
    assert isinstance(app, RehearsalApp) and isinstance(console.driver, RehearsalDriver)
    return app, console.driver


async def test_pause_stops_the_scenario_clock(tmp_path: Path) -> None:
    app, driver = make(tmp_path / "log.db")
    driver.speed = 10.0
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "PAUSED" not in app.sub_title and _footer_label(app, "p") == "Pause"
        await pilot.press("p")
        await pilot.pause()
        assert driver.paused
        assert app.sub_title.endswith("PAUSED (p resumes)") and _footer_label(app, "p") == "Resume"
        t = driver.player.now_s()
        await app.tick()
        await app.tick()
        assert driver.player.now_s() == t
        await pilot.press("p")
        await pilot.pause()
        assert not driver.paused
        assert "PAUSED" not in app.sub_title and _footer_label(app, "p") == "Pause"
    app.runtime.close()


async def test_rehearsal_at_the_console_ends_in_a_debrief(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, driver = make(db)
    player = driver.player
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.host.call(driver.run_for, 24.0)  # past the technical escalation at 20 s
        await app.refresh_view()
        assert app.rehearsal.floor.chats["C1"].status is ChatStatus.ESCALATED
        assert await app.take_over("C1")
        await pilot.pause()
        assert await app.send("C1", "Sorry Mira, I'm a person. What is your order number?")
        await app.host.call(driver.run_for, 8.0)
        assert player.runs["C1"].last_turn == "gives_number"
        assert await app.send("C1", "I've arranged a refund of the 23 EUR fee.")
        await app.host.call(driver.run_for, 8.0)
        assert await app.resolve("C1")
        await app.tick()  # the player is done: the app scores and shows the debrief
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert app.result is not None and app.result["score"] >= 90
        text = str(app.screen.query_one("#debrief-text", Static).content)
        assert f"{app.result['score']} / 100" in text and "Tips" in text and "Timeline" in text
        await pilot.press("q")
    app.runtime.close()
    log = sqlite_utils.Database(db)
    row = next(iter(log.query("select trainee, mode, score from rehearsals")))
    assert row == {"trainee": "tina", "mode": "interactive", "score": app.result["score"]}
    tk = next(iter(log.query("select kind, trigger, ending, rating from takeovers")))
    assert tk == {"kind": "escalation", "trigger": "technical", "ending": "resolved", "rating": 5}


async def test_ending_early_scores_what_was_done(tmp_path: Path) -> None:
    app, driver = make(tmp_path / "log.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.host.call(driver.run_for, 10.0)
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        assert app.result is not None
        assert app.result["chats"][0]["timing"] == "missed"
        assert driver.over
    app.runtime.close()


def _footer_label(app: RehearsalApp, key: str) -> str:
    """The description the footer shows for ``key`` (the enabled, shown binding)."""
    shown = [b for k, b, enabled, _ in _active(app) if k == key and enabled and b.show]
    assert len(shown) == 1, shown
    return str(shown[0].description)


def _active(app: RehearsalApp) -> list[tuple[str, Binding, bool, str]]:
    return [(k, a.binding, a.enabled, a.tooltip) for k, a in app.screen.active_bindings.items()]


def _header(app: RehearsalApp) -> str:
    return str(app.screen.query_one(KpiBar).render())


async def test_the_header_shows_the_scenario_and_its_clock(tmp_path: Path) -> None:
    app, driver = make(tmp_path / "log.db")
    title = app.rehearsal.scenario.title
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.refresh_view()
        head = _header(app)
        assert head.startswith(" scenario 0:00 of 5:00  live ") and f"  {title}  log " in head
        await app.host.call(driver.run_for, 24.0)
        await app.refresh_view()
        head = _header(app)
        # the scenario clock counts from the rehearsal's start, as the debrief does; no time of day
        assert head.startswith(" scenario 0:24 of 5:00  live ") and title in head
        assert clock(START + 24.0) not in head and "PAUSED" not in head
        await pilot.press("p")
        await pilot.pause()
        await app.refresh_view()
        assert _header(app).startswith(" scenario 0:24 of 5:00 PAUSED  live ")
        await pilot.press("p")
        await pilot.pause()
        assert await app.take_over("C1")  # the chat's screen has the same header
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        await app.host.call(driver.run_for, 70.0)
        await app.refresh_view()
        await pilot.pause()
        assert _header(app).startswith(" scenario 1:34 of 5:00  live ") and title in _header(app)
    app.runtime.close()


def test_the_live_floor_header_keeps_the_time_of_day() -> None:
    kpis = Kpis(live=3, ai_share=0.5, waiting=0, oldest_wait_s=0.0, mine=0, cap=3, avg_reply_s=None, closed=1)
    plain = kpi_text(kpis, START, None).plain
    assert plain.rstrip().endswith(f"{clock(START)}  log (none)")
    with_clock = kpi_text(kpis, START, None, Text("Title"), Text("0:05 ")).plain
    assert with_clock == "0:05 " + plain.replace(clock(START), "Title")
    assert KpiBar().clock is None
