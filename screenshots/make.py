"""Make the README's screenshots from the real app: the floor, a chat workspace after a takeover, help.

    python screenshots/make.py          # writes screenshots/{floor,workspace,help}.svg

Fixed seed and simulated clock (UTC), so the pictures only change when the console does.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from hitl_console.config import Settings
from hitl_console.core.models import ChatStatus
from hitl_console.tui.app import HitlApp
from hitl_console.tui.runtime import make_sim_runtime
from hitl_console.tui.widgets.floor_table import FloorTable

HERE = Path(__file__).parent
SIZE = (150, 40)
START = 1_767_261_600.0  # 2026-01-01T10:00:00Z


async def shoot() -> None:
    settings = Settings()
    settings.simulation.live_chats = 30
    settings.floor.bell = False
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            rt = make_sim_runtime(settings, seed=7, db=Path("session.db"), supervisor="alice", speed=0.0,
                                  start=START, warmup_s=200.0, threaded=False)
            app = HitlApp(rt)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                table = app.screen.query_one(FloorTable)
                table.move_to(next((i for i, r in enumerate(table.rows) if r.candidate), 0))
                app.clear_notifications()
                await pilot.pause()
                app.save_screenshot("floor.svg", str(HERE))
                table.move_to(next(i for i, r in enumerate(table.rows)
                                   if r.status is ChatStatus.ESCALATED and r.confidence is not None))
                await pilot.press("t")
                await pilot.pause()
                await pilot.press(*"Hi,", "space", *"I'm", "space", *"here", "space", *"now.", "enter")
                await pilot.press("escape", "d", "escape")
                await pilot.pause()
                app.clear_notifications()
                await pilot.pause()
                app.save_screenshot("workspace.svg", str(HERE))
                await pilot.press("question_mark")
                await pilot.pause()
                app.save_screenshot("help.svg", str(HERE))
            rt.close()
        finally:
            os.chdir(old)


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    asyncio.run(shoot())
    for name in ("floor", "workspace", "help"):
        print(HERE / f"{name}.svg")


if __name__ == "__main__":
    main()
