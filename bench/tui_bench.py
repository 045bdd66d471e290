"""Benchmark of the console under load: the real App, headless, with 1,000 live chats.

Events (customer and AI messages, scored and logged by the real floor and store) are fed on the engine's
side at rising rates. For each rate it reports the events per second absorbed, the key-press-to-repaint
latency (p50, p95: a cursor move until the screen update that shows it) next to the idle latency measured
in the same run, how many floor redraws happened per second, and the process's peak memory.

Each host is measured in the same run: ``process`` (the live console's: the engine in its own process) and
``thread`` (the engine on a thread of the screen's process, the baseline).

    python bench/tui_bench.py                 # rates 0 (idle), 1000, 2500, 5000, 7500 events/s
    python bench/tui_bench.py --rates 5000 --seconds 6 --hosts process
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from textual import events
from tui_feed import Control, FeedDriver, make_feed_runtime

from hitl_console.config import Settings
from hitl_console.tui.app import HitlApp
from hitl_console.tui.host import Host, ThreadHost
from hitl_console.tui.process_host import ProcessHost
from hitl_console.tui.runtime import ConsoleInfo, RemoteConsole, make_sim_runtime
from hitl_console.tui.widgets.floor_table import FloorTable

HERE = Path(__file__).resolve().parent


class BenchApp(HitlApp):
    def __init__(self, runtime: ConsoleInfo, host: Host) -> None:
        super().__init__(runtime, host)
        self.expect: str | None = None
        self.painted = asyncio.Event()
        self.painted_at = 0.0
        self.redraws = 0

    def post_display_hook(self) -> None:
        if self.expect is None:
            return
        try:
            table = self.screen.query_one(FloorTable)
        except Exception:
            return
        i = table.cursor
        if table.selected_id == self.expect and table._drawn.get(i) == table._line_key(i):
            self.painted_at = time.perf_counter()
            self.expect = None
            self.painted.set()

    async def show_view(self, view: object) -> None:
        self.redraws += 1
        await super().show_view(view)  # type: ignore[arg-type]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


async def phase(app: BenchApp, feed: Control, rate: float, seconds: float, presses: int) -> dict[str, float]:
    table = app.screen.query_one(FloorTable)
    feed.rate = rate
    await asyncio.sleep(0.5)  # reach the steady state
    applied0, redraws0, t0 = feed.applied, app.redraws, time.perf_counter()
    lat: list[float] = []
    gap = seconds / presses
    for k in range(presses):
        target = table.cursor + (1 if k % 2 == 0 else -1)
        if not 0 <= target < len(table.rows):
            target = table.cursor - 1 if target > 0 else table.cursor + 1
        key = "down" if target > table.cursor else "up"
        app.painted.clear()
        app.expect = table.rows[target].id
        pressed = time.perf_counter()
        app.post_message(events.Key(key, None))
        try:
            await asyncio.wait_for(app.painted.wait(), timeout=5.0)
            lat.append((app.painted_at - pressed) * 1000)
        except TimeoutError:
            lat.append(5000.0)
            app.expect = None
        await asyncio.sleep(max(0.0, gap - (time.perf_counter() - pressed)) * random.uniform(0.6, 1.4))
    elapsed = time.perf_counter() - t0
    feed.rate = 0.0
    return {
        "rate": rate,
        "absorbed": (feed.applied - applied0) / elapsed,
        "p50": statistics.median(lat),
        "p95": pct(lat, 0.95),
        "redraws_s": (app.redraws - redraws0) / elapsed,
    }


async def engine_capacity(chats: int, seconds: float) -> float:
    """Events per second the engine alone absorbs (floor, scoring and log; no screen): the baseline."""
    from hitl_console.tui.host import Engine

    control = Control()
    with tempfile.TemporaryDirectory() as tmp:
        rt = make_sim_runtime(Settings(), db=Path(tmp) / "base.db", supervisor="bench", speed=0.0, warmup_s=0.0)
        rt.driver = FeedDriver(rt.floor, chats, control, seed=2)
        engine = Engine(rt)
        await engine.start()
        control.rate = 4000.0  # 200 events per advance of 0.05 s, run back to back
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            await engine.advance(0.05)
        rate = control.applied / (time.perf_counter() - t0)
        rt.close()
    control.close(unlink=True)
    return rate


async def run(host_kind: str, rates: list[float], seconds: float, chats: int, presses: int) -> list[dict[str, float]]:
    settings = Settings()
    settings.floor.bell = False
    control = Control()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        host: Host
        if host_kind == "process":
            # the engine's process imports the feed from this folder
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
            recipe = partial(make_feed_runtime, settings, db, chats, control.name, threaded=False)
            host = ProcessHost(recipe, settings.floor.tick_hz)
            info: ConsoleInfo = RemoteConsole(settings, "bench", db)
        else:
            rt = make_feed_runtime(settings, db, chats, control, threaded=True)
            host = ThreadHost(rt)
            info = rt
        app = BenchApp(info, host)
        results = []
        async with app.run_test(size=(200, 50)) as pilot:
            await pilot.pause()
            await asyncio.sleep(0.5)
            for rate in [0.0, *rates]:
                results.append(await phase(app, control, rate, seconds, presses))
            await app.stop_engine()
        info.close()
    control.close(unlink=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", type=float, nargs="+", default=[1000, 2500, 5000, 7500])
    ap.add_argument("--seconds", type=float, default=4.0, help="Seconds per rate.")
    ap.add_argument("--chats", type=int, default=1000)
    ap.add_argument("--presses", type=int, default=40, help="Key presses per rate.")
    ap.add_argument("--hosts", nargs="+", choices=["process", "thread"], default=["process", "thread"])
    args = ap.parse_args()
    # The hosts first, the baseline last: the peak memory of this process is then the screen's own.
    runs = {}
    for kind in args.hosts:
        runs[kind] = asyncio.run(run(kind, args.rates, args.seconds, args.chats, args.presses))
        runs[kind + " peak MB"] = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # type: ignore[list-item]
                                   resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]
    capacity = asyncio.run(engine_capacity(args.chats, min(args.seconds, 3.0)))
    print(f"hitl-console TUI bench: {args.chats} live chats, {args.presses} key presses per rate, "
          f"Python {sys.version.split()[0]}")
    print(f"baseline: the engine alone (floor + scoring + log, no screen) absorbs {capacity:.0f} events/s")
    for kind in args.hosts:
        results = runs[kind]
        idle = results[0]
        screen_mb, engine_mb = runs[kind + " peak MB"]  # type: ignore[misc]
        print(f"\nhost: {kind}")
        print(f"{'target ev/s':>12}{'absorbed ev/s':>15}{'key p50 ms':>12}{'key p95 ms':>12}{'p95 - idle':>12}"
              f"{'redraws/s':>11}{'of engine':>11}")
        for r in results:
            label = "idle" if r["rate"] == 0 else f"{r['rate']:.0f}"
            print(f"{label:>12}{r['absorbed']:>15.0f}{r['p50']:>12.1f}{r['p95']:>12.1f}"
                  f"{r['p95'] - idle['p95']:>+12.1f}{r['redraws_s']:>11.1f}{r['absorbed'] / capacity:>10.0%}")
        if kind == "process":
            print(f"peak memory (max RSS): screen {screen_mb:.0f} MB + engine process {engine_mb:.0f} MB "
                  f"= {screen_mb + engine_mb:.0f} MB")
        else:
            print(f"peak memory (max RSS, screen and engine in one process): {screen_mb:.0f} MB")


if __name__ == "__main__":
    main()
