"""The console's engine host, its error paths and the run command."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_tui_support import SIZE, START, make_console, rows

from hitl_console.cli import main
from hitl_console.config import Settings
from hitl_console.core.models import ChatStatus
from hitl_console.errors import StoreError
from hitl_console.tui.host import ThreadHost
from hitl_console.tui.runtime import make_sim_runtime


async def test_thread_host_runs_the_floor_off_the_screen_loop(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    settings = Settings()
    settings.simulation.live_chats = 10
    rt = make_sim_runtime(settings, seed=5, db=db, supervisor="bo", speed=200.0, start=START, warmup_s=0.0)
    host = ThreadHost(rt, tick_hz=50)
    await host.start()
    try:
        first = await host.poll(0.0)
        for _ in range(100):
            await asyncio.sleep(0.02)
            view = await host.poll(0.0)
            if view.kpis.live >= 5 and any(r.status is ChatStatus.AI for r in view.rows):
                break
        assert view.now > first.now and view.serial > first.serial and host.ticks > 0
        cid = next(r.id for r in view.rows if r.status is ChatStatus.AI)
        tk = await host.call(rt.source.take_over, cid, "bo")
        after = await host.fresh()
        assert tk.kind.value == "proactive"
        assert any(r.id == cid and r.holder == "bo" for r in after.rows)
        assert (await host.poll(0.0)).serial >= after.serial  # never an older view after a fresh one
    finally:
        await host.stop()
    assert not host._thread.is_alive()
    rt.close()
    assert rows(db, "SELECT chat_id, supervisor, kind FROM takeovers") == [(cid, "bo", "proactive")]
    assert rows(db, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL") == [(1,)]


async def test_engine_error_reaches_the_screen_as_an_error(tmp_path: Path) -> None:
    settings = Settings()
    rt = make_sim_runtime(settings, db=tmp_path / "log.db", speed=1.0, start=START, warmup_s=0.0)

    async def broken(wall_dt: float) -> None:
        raise StoreError("session log x.db: locked by another process")

    rt.driver.advance = broken  # type: ignore[method-assign]
    host = ThreadHost(rt, tick_hz=100)
    await host.start()
    try:
        with pytest.raises(StoreError, match="locked"):
            for _ in range(200):
                await asyncio.sleep(0.01)
                await host.poll(0.0)
    finally:
        await host.stop()
        rt.close()


async def test_a_log_failure_during_a_command_ends_the_console_with_its_message(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db", chats=6, warmup_s=60.0)

    async def take_over(chat_id: str, supervisor: str) -> None:
        raise StoreError("session log log.db: cannot be written")

    rt.source.take_over = take_over  # type: ignore[method-assign, assignment]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
    assert app.return_code == 2 and isinstance(app.fatal, StoreError)
    rt.close()


def test_run_with_an_unusable_log_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SystemExit) as e:
        main(["run", "--db", str(blocker / "log.db"), "--seed", "1"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hitl-console: error: session log ") and "\n" not in err and "Traceback" not in err


def test_run_help_documents_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "--help"])
    out = capsys.readouterr().out
    for opt in ("--chats", "--seed", "--speed", "--db", "--supervisor", "--config", "--agent", "--warmup"):
        assert opt in out
