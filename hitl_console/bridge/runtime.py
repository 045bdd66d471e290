"""Wiring for the console side of the bridge: a floor on the wall clock (moved forward to the platform's
when that one is ahead, see :mod:`~hitl_console.bridge.clock`) fed by a :class:`BridgeSource`,
the session log, and (headless) the same simulated supervisor policies as ``simulate``.

The simulated supervisors (:class:`~hitl_console.sources.supervisors.SupervisorBot`) were written for the
simulator; :class:`BotHost` gives them what they use of it (the floor, a scheduler, settings and the
``Source`` commands) over the bridge, with a scheduler on the wall clock (``speed`` times faster, to match
a demo platform's ``--speed``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from hitl_console.bridge.clock import FollowingClock
from hitl_console.bridge.source import BridgeSource
from hitl_console.bridge.summary import ClosedChatsTally
from hitl_console.config import Settings, SimulationSettings
from hitl_console.core.catalogue import Catalogue, load_catalogue
from hitl_console.core.clock import Clock, WallClock
from hitl_console.core.engine import CommandRefused, Floor, OpenTakeover
from hitl_console.core.models import Message
from hitl_console.core.tally import Tally
from hitl_console.runtime import make_agent
from hitl_console.sources.simulator import Simulator
from hitl_console.sources.supervisors import SupervisorBot, SupervisorPolicy
from hitl_console.store.sessions import SIMULATED_KEY
from hitl_console.store.writer import Store

Action = Callable[[], Awaitable[None]]


class WallScheduler:
    """``after(delay, action)`` on the running loop, ``speed`` times faster than the wall clock.

    A refused or unconfirmed command in an action is counted and dropped (the bots try again on their next
    tick); any other exception is kept in :attr:`fatal` for the runner to raise.
    """

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self.refused = 0
        self.fatal: BaseException | None = None
        self._handles: set[asyncio.TimerHandle] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def after(self, delay: float, action: Action) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._handles.discard(handle)
            task = loop.create_task(self._run(action))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        handle = loop.call_later(max(0.0, delay) / self.speed, fire)
        self._handles.add(handle)

    async def _run(self, action: Action) -> None:
        try:
            await action()
        except CommandRefused:
            self.refused += 1
        except Exception as e:  # noqa: BLE001 - kept for the runner, which raises it
            if self.fatal is None:
                self.fatal = e

    async def aclose(self) -> None:
        for h in self._handles:
            h.cancel()
        self._handles.clear()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class BotHost:
    """What a :class:`SupervisorBot` uses of a simulator, over a bridge."""

    def __init__(self, source: BridgeSource, scheduler: WallScheduler, settings: SimulationSettings) -> None:
        self.source = source
        self.floor = source.floor
        self.scheduler = scheduler
        self.settings = settings
        self.customers: dict[str, Any] = {}  # the platform's customers are not known here

    async def take_over(self, chat_id: str, supervisor: str) -> OpenTakeover:
        return await self.source.take_over(chat_id, supervisor)

    async def send(self, chat_id: str, supervisor: str, text: str) -> Message:
        return await self.source.send(chat_id, supervisor, text)

    async def hand_back(self, chat_id: str, supervisor: str) -> None:
        await self.source.hand_back(chat_id, supervisor)

    async def resolve(self, chat_id: str, supervisor: str) -> None:
        await self.source.resolve(chat_id, supervisor)

    async def draft(self, chat_id: str) -> str:
        return await self.source.draft(chat_id)


class BridgeDriver:
    """Runs the bridge's stream on the console's loop (the TUI's ``Driver``): a fatal link error (the token
    refused, the platform unreachable from the start) is raised by the next :meth:`advance`."""

    def __init__(self, source: BridgeSource) -> None:
        self.source = source
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.source.run())

    async def advance(self, wall_dt: float) -> None:
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            task.result()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.source.aclose()


@dataclass
class BridgeRuntime:
    settings: Settings
    catalogue: Catalogue
    clock: Clock
    floor: Floor
    source: BridgeSource
    tally: Tally
    store: Store | None = None
    bots: list[SupervisorBot] = field(default_factory=list)
    scheduler: WallScheduler = field(default_factory=WallScheduler)

    async def run(self, *, chats: int | None = None, tick_s: float = 0.2, on_tick: Callable[[], None] | None = None) -> None:
        """Mirror the platform (and let the simulated supervisors work) until ``chats`` chats have closed
        on this floor, or forever. Raises a fatal link error or a bot's unexpected error."""
        driver = BridgeDriver(self.source)
        await driver.start()
        for bot in self.bots:
            bot.start()
        ticks = 0
        try:
            while chats is None or self.floor.closed_count < chats:
                await asyncio.sleep(tick_s)
                await driver.advance(tick_s)
                if self.scheduler.fatal is not None:
                    raise self.scheduler.fatal
                ticks += 1
                if self.store is not None:
                    self.store.flush()
                if ticks % 50 == 0:
                    self.floor.forget_closed()
                if on_tick is not None:
                    on_tick()
        finally:
            await self.scheduler.aclose()
            await driver.stop()

    def close(self) -> None:
        if self.store is not None:
            self.store.end_session(self.clock.now())
            self.store.close()


def build_bridge(
    settings: Settings,
    url: str,
    *,
    token: str | None = None,
    db: Path | None = None,
    clock: Clock | None = None,
    agent: str = "rules",
    policy: SupervisorPolicy | None = None,
    supervisors: int = 1,
    speed: float = 1.0,
    name: str | None = None,
    seed: int = 0,
    catalogue_path: Path | None = None,
    closed_only: bool = False,
    **source_options: Any,
) -> BridgeRuntime:
    """A floor mirroring the platform at ``url``, logged to ``db`` when given, with simulated supervisors
    named ``{name}-sup1``... when ``policy`` is given (``name``: this console's, random by default, so that
    supervisors of two consoles never share a name). ``closed_only``: the tally counts only the chats that
    closed (escalations and takeovers included), as ``simulate --source`` reports them."""
    catalogue = load_catalogue(catalogue_path)
    clock = clock or FollowingClock(WallClock())
    floor = Floor(catalogue, clock, settings.thresholds)
    source = BridgeSource(floor, url, token=token, agent=make_agent(agent, catalogue, settings), **source_options)
    bots = policy is not None and policy is not SupervisorPolicy.NONE
    prefix = name or f"console-{secrets.token_hex(2)}"
    names = [f"{prefix}-sup{i + 1}" for i in range(supervisors)] if bots else []
    store: Store | None = None
    if db is not None:
        store = Store(db)
        config = settings.model_dump(mode="json")
        if policy is not None:  # who on this floor is simulated (the report tells them from people)
            config[SIMULATED_KEY] = {"policy": policy.value, "names": names}
        store.start_session(
            source=f"bridge {source.base}",
            supervisor=policy.value if policy else name,
            agent=agent,
            seed=seed,
            config=config,
            started_at=clock.now(),
        )
        floor.subscribe(store.on_event)  # first: committed before anyone else hears of it
    tally = ClosedChatsTally() if closed_only else Tally()
    floor.subscribe(tally.on_event)
    rt = BridgeRuntime(settings, catalogue, clock, floor, source, tally, store, scheduler=WallScheduler(speed))
    if policy is not None and bots:
        host = cast(Simulator, BotHost(source, rt.scheduler, settings.simulation))
        claimed: set[str] = set()
        rt.bots = [
            SupervisorBot(bot, host, policy, cap=settings.floor.takeover_cap, seed=seed, claimed=claimed)
            for bot in names
        ]
    return rt
