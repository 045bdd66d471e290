"""The engine in its own process (the live console's host): views, commands, errors, and the log's safety."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from test_tui_support import SIZE, START, rows

from hitl_console.config import Settings
from hitl_console.core.engine import CommandRefused
from hitl_console.core.models import ChatStatus
from hitl_console.errors import StoreError
from hitl_console.tui.app import HitlApp
from hitl_console.tui.process_host import EngineGone, ProcessHost
from hitl_console.tui.runtime import RemoteConsole, make_sim_runtime
from hitl_console.tui.widgets.floor_table import FloorTable


def recipe(db: Path, *, chats: int = 10, speed: float = 100.0, warmup_s: float = 60.0) -> partial[object]:
    settings = Settings()
    settings.simulation.live_chats = chats
    settings.simulation.colleagues = 0
    return partial(make_sim_runtime, settings, seed=5, db=db, supervisor="bo", speed=speed, start=START,
                   warmup_s=warmup_s, threaded=False)


async def wait_for(host: ProcessHost, ok: object, tries: int = 200) -> None:
    for _ in range(tries):
        await asyncio.sleep(0.02)
        if ok(await host.poll(0.0)):  # type: ignore[operator]
            return
    raise AssertionError("the view never got there")


async def test_views_and_commands_cross_the_process_boundary(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    host = ProcessHost(recipe(db), tick_hz=20)  # type: ignore[arg-type]
    await host.start()
    try:
        assert host._proc is not None and host._proc.pid != os.getpid()
        first = await host.poll(0.0)
        await wait_for(host, lambda v: v.serial > first.serial + 3 and any(r.status is ChatStatus.AI for r in v.rows))
        view = await host.poll(0.0)
        assert view.now > first.now and view.kpis.live == len(view.rows)
        assert len({r.id for r in view.rows}) == len(view.rows)  # the diffs rebuild each chat once
        cid = next(r.id for r in view.rows if r.status is ChatStatus.AI)
        tk = await host.command("take_over", cid, "bo")
        assert tk.kind.value == "proactive" and tk.supervisor == "bo"
        after = await host.fresh()
        assert any(r.id == cid and r.holder == "bo" and r.status is ChatStatus.HUMAN for r in after.rows)
        with pytest.raises(CommandRefused, match="held by bo"):
            await host.command("take_over", cid, "bo")
        draft = await host.command("draft", cid)
        assert isinstance(draft, str) and draft
        await host.command("send", cid, "bo", "[bold]Hello[/bold] from a human")
        await host.commit()
        detail = await host.detail(cid)
        assert detail is not None and detail.row.holder == "bo"
        assert any(e.data.get("text") == "[bold]Hello[/bold] from a human" for e in detail.events)
        assert await host.detail("no-such-chat") is None
        await host.command("resolve", cid, "bo")
        closed = await host.fresh()
        assert cid not in {r.id for r in closed.rows}
        with pytest.raises(ValueError, match="unknown command"):
            await host.command("drop_table", cid)
    finally:
        await host.stop()
    assert host._proc is not None and host._proc.returncode == 0
    assert rows(db, "SELECT chat_id, supervisor, kind, ending FROM takeovers") == [(cid, "bo", "proactive", "resolved")]
    assert rows(db, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL") == [(1,)]


async def test_a_runtime_that_cannot_be_built_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    host = ProcessHost(recipe(blocker / "log.db"), tick_hz=20)  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="session log"):
        await host.start()
    await host.stop()


async def test_an_engine_that_dies_is_reported_and_the_log_keeps_what_was_committed(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    host = ProcessHost(recipe(db), tick_hz=20)  # type: ignore[arg-type]
    await host.start()
    view = await host.fresh()
    cid = next(r.id for r in view.rows if r.status is ChatStatus.AI)
    await host.command("take_over", cid, "bo")  # committed before the reply
    assert host._proc is not None
    os.kill(host._proc.pid, signal.SIGKILL)
    with pytest.raises(EngineGone, match="ended unexpectedly"):
        for _ in range(200):
            await asyncio.sleep(0.02)
            await host.poll(0.0)
    with pytest.raises(EngineGone):
        await host.command("resolve", cid, "bo")
    await host.stop()
    assert rows(db, "SELECT chat_id, kind FROM takeovers") == [(cid, "proactive")]


async def test_the_engine_closes_the_log_when_the_screen_disappears(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    host = ProcessHost(recipe(db), tick_hz=20)  # type: ignore[arg-type]
    await host.start()
    proc = host._proc
    assert proc is not None and host._conn is not None
    asyncio.get_running_loop().remove_reader(host._conn.fileno())
    host._conn.close()  # as if the screen's process had been killed
    await asyncio.to_thread(proc.wait, 20.0)
    assert proc.returncode == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL").fetchone() == (1,)
    con.close()


async def test_the_console_works_the_floor_through_its_engine_process(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    settings = Settings()
    settings.floor.bell = False
    host = ProcessHost(recipe(db, speed=0.0, warmup_s=150.0), tick_hz=settings.floor.tick_hz)  # type: ignore[arg-type]
    app = HitlApp(RemoteConsole(settings, "bo", db), host)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(FloorTable)
        assert table.rows, "the floor shows the engine's chats"
        escalated = [r for r in table.rows if r.status is ChatStatus.ESCALATED]
        await pilot.press("n" if escalated else "t")
        await pilot.pause()
        cid = app.held()[0]
        await pilot.press("i", *"on it", "enter")
        await pilot.pause()
        await pilot.press("escape", "r")
        for _ in range(50):
            await pilot.pause(0.05)
            if not app.held():
                break
        assert not app.held()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and app.fatal is None
    assert rows(db, "SELECT chat_id, supervisor, ending FROM takeovers") == [(cid, "bo", "resolved")]
    assert rows(db, "SELECT text FROM messages WHERE role = 'human'") == [("on it",)]
