"""How fast the console takes in a platform's events over the HTTP bridge, and how fast it resumes.

Events are those of a real demo-platform run (the simulated shop), recorded first. Figures:
- baseline: the same events applied straight to a floor (``BridgeSource.apply``, no network);
- loopback: sent by the demo platform's server over 127.0.0.1 and applied by a console (SSE, httpx-sse),
  as a ratio to the baseline;
- resume: the server dropped and restarted mid-stream; time until the console is connected again and
  until it has caught up (events sent while it was away, resumed with Last-Event-ID).

    python bench/bridge_throughput.py [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from hitl_console.bridge.link import LinkState
from hitl_console.bridge.platform import DemoPlatform
from hitl_console.bridge.server import DemoServer
from hitl_console.bridge.source import BridgeSource
from hitl_console.bridge.stream import Backoff
from hitl_console.config import Settings, SimulationSettings
from hitl_console.core.catalogue import load_catalogue
from hitl_console.core.clock import WallClock
from hitl_console.core.engine import Floor

CATALOGUE = load_catalogue(None)


async def record(n: int) -> list[str]:
    """The data of ``n`` events of the simulated shop (40 live chats, nobody taking over)."""
    p = DemoPlatform(Settings(simulation=SimulationSettings(live_chats=40)), seed=11)
    p.sim.start()
    while p.seq < n:
        await p.sim.run_until(p.sim.clock.now() + 30.0)
    return [data for _, _, data in list(p.log)[:n]]


def console(url: str) -> BridgeSource:
    return BridgeSource(Floor(CATALOGUE, WallClock()), url, backoff=Backoff(0.05, 2.0, 0.5, seed=1))


async def wait(cond: object, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not cond():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")
        await asyncio.sleep(0.001)


async def main(n: int) -> None:
    events = await record(n)
    print(f"events: {len(events)} from the simulated shop")

    src = console("http://127.0.0.1:9")
    t0 = time.perf_counter()
    for i, data in enumerate(events, 1):
        src.apply(str(i), data)
    base = time.perf_counter() - t0
    assert src.link.snapshot().malformed == 0
    print(f"baseline (apply, no network): {len(events) / base:,.0f} events/s")

    p = DemoPlatform(seed=0)
    server = DemoServer(p, ping_s=1.0)
    await server.start()
    src = console(server.url)
    task = asyncio.get_running_loop().create_task(src.run())
    await wait(lambda: src.link.state is LinkState.CONNECTED)
    held_back = min(2000, len(events) // 4)  # sent while the console is away, in the resume test
    live = events[:-held_back]
    t0 = time.perf_counter()
    for data in live:
        p.inject(data)
        if p.seq % 500 == 0:
            await asyncio.sleep(0)  # let the server write while the platform produces
    last = f"{p.epoch}-{p.seq}"
    await wait(lambda: src.link.snapshot().last_event_id == last)
    wire = time.perf_counter() - t0
    snap = src.link.snapshot()
    assert snap.events == len(live) and snap.malformed == 0 and snap.duplicates == 0
    rate = len(live) / wire
    print(f"loopback (SSE + apply): {rate:,.0f} events/s = {rate / (len(events) / base):.2f} x baseline")

    # resume: drop every connection, send the held-back events while the console is away, restart
    port = server.port
    await server.stop()
    await wait(lambda: src.link.state is LinkState.RECONNECTING)
    more = events[-held_back:]
    for data in more:
        p.inject(data)
    server = DemoServer(p, port=port, ping_s=1.0)
    t0 = time.perf_counter()
    await server.start()
    await wait(lambda: src.link.state is LinkState.CONNECTED)
    t_conn = time.perf_counter() - t0
    last = f"{p.epoch}-{p.seq}"
    await wait(lambda: src.link.snapshot().last_event_id == last)
    t_caught = time.perf_counter() - t0
    snap = src.link.snapshot()
    assert snap.events == len(events) and snap.malformed == 0
    print(f"resume: connected again {t_conn * 1000:.0f} ms after the restart (backoff <= 0.5 s here), "
          f"caught up on {len(more)} missed events in {t_caught * 1000:.0f} ms; "
          f"events {snap.events}, duplicates {snap.duplicates}, reconnects {snap.reconnects}")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await src.aclose()
    await server.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(ap.parse_args().events))
