"""Shared helpers for the bridge tests (no tests here): a fast demo platform on an ephemeral loopback port,
in the test's loop or on a thread of its own (for the CLI, which runs its own loop), and consoles."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from hitl_console.bridge.link import LinkState
from hitl_console.bridge.platform import DemoPlatform
from hitl_console.bridge.server import DemoServer
from hitl_console.bridge.source import BridgeSource
from hitl_console.bridge.stream import Backoff
from hitl_console.config import Settings, SimulationSettings
from hitl_console.core.catalogue import load_catalogue
from hitl_console.core.clock import WallClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import ChatStatus

TOKEN = "test-token"
CATALOGUE = load_catalogue(None)


def fast_settings(live: int = 10) -> Settings:
    return Settings(
        simulation=SimulationSettings(
            live_chats=live,
            patience_s=60.0,
            ai_reply_s=1.0,
            customer_think_s=3.0,
            human_reaction_s=3.0,
            human_reply_s=3.0,
        )
    )


def make_console(url: str, token: str | None = TOKEN, **options: Any) -> BridgeSource:
    floor = Floor(CATALOGUE, WallClock())
    options.setdefault("backoff", Backoff(0.05, 2.0, 0.3, seed=1))
    options.setdefault("confirm_timeout", 3.0)
    return BridgeSource(floor, url, token=token, **options)


class Running:
    """A demo platform being served; :meth:`go` starts its clock, :meth:`halt` stops it."""

    def __init__(self, platform: DemoPlatform, server: DemoServer) -> None:
        self.platform = platform
        self.server = server
        self.clock: asyncio.Task[None] | None = None

    def go(self) -> None:
        self.clock = asyncio.get_running_loop().create_task(self.platform.run())

    async def halt(self) -> None:
        if self.clock is not None:
            self.clock.cancel()
            await asyncio.gather(self.clock, return_exceptions=True)
            self.clock = None

    @property
    def last_id(self) -> str:
        return f"{self.platform.epoch}-{self.platform.seq}"


@asynccontextmanager
async def demo(speed: float = 40.0, seed: int = 3, live: int = 10, **kw: Any) -> AsyncIterator[Running]:
    platform = DemoPlatform(fast_settings(live), seed=seed, speed=speed, **kw)
    server = DemoServer(platform, token=TOKEN, ping_s=0.5)
    await server.start()
    running = Running(platform, server)
    try:
        yield running
    finally:
        await running.halt()
        await server.stop()
        platform.close()


@asynccontextmanager
async def streaming(*sources: BridgeSource) -> AsyncIterator[list[asyncio.Task[None]]]:
    """Run the sources' streams; wait until each is connected."""
    tasks = [asyncio.get_running_loop().create_task(s.run()) for s in sources]
    try:
        await wait_for(lambda: all(s.link.state is LinkState.CONNECTED for s in sources), 5.0)
        yield tasks
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in sources:
            await s.aclose()


async def wait_for(cond: Callable[[], bool], timeout: float, step: float = 0.02) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)


async def settle(running: Running, *sources: BridgeSource, timeout: float = 5.0) -> None:
    """Stop the platform's clock and wait until every console has received its last event."""
    await running.halt()
    await wait_for(lambda: all(s.link.snapshot().last_event_id == running.last_id for s in sources), timeout)


def mirror_diffs(platform: DemoPlatform, floor: Floor) -> list[str]:
    """Where the console's floor differs from the platform's (chats the platform still has in memory)."""
    diffs = []
    for sim_id, theirs in platform.floor.chats.items():
        cid = platform.ext_id(sim_id)
        mine = floor.chats.get(cid)
        if mine is None:
            diffs.append(f"{cid}: missing")
            continue
        a = (theirs.status, theirs.holder, [(m.role, m.text) for m in theirs.messages], theirs.rating,
             theirs.resolved_by, theirs.abandoned, theirs.first_trigger)
        b = (mine.status, mine.holder, [(m.role, m.text) for m in mine.messages], mine.rating,
             mine.resolved_by, mine.abandoned, mine.first_trigger)
        if a != b:
            diffs.append(f"{cid}: platform {a[0]}/{a[1]}/{len(a[2])} msgs, console {b[0]}/{b[1]}/{len(b[2])} msgs")
    return diffs


def first_chat(floor: Floor, *statuses: ChatStatus) -> str | None:
    for c in floor.chats.values():
        if c.status in statuses:
            return c.id
    return None


class ThreadedDemo:
    """A demo platform on a thread and loop of its own (for tests that call the CLI)."""

    def __init__(self, speed: float = 40.0, seed: int = 3, live: int = 10) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.platform = DemoPlatform(fast_settings(live), seed=seed, speed=speed)
        self.server = DemoServer(self.platform, token=TOKEN, ping_s=0.5)
        self._clock: asyncio.Task[None] | None = None

    def __enter__(self) -> ThreadedDemo:
        self.thread.start()

        async def start() -> None:
            await self.server.start()
            self._clock = asyncio.get_running_loop().create_task(self.platform.run())

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._clock is not None:
                self._clock.cancel()
                await asyncio.gather(self._clock, return_exceptions=True)
            await self.server.stop()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.platform.close()

    @property
    def url(self) -> str:
        return self.server.url
