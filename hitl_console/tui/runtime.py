"""What the console runs on: a floor, a source of chats, a clock driver, the supervisor and the settings.

:class:`ConsoleRuntime` is the one thing the TUI is given (by the CLI, the tests, the benchmark and any
other source). The TUI is source-agnostic: it only calls the :class:`~hitl_console.sources.base.Source`
commands and reads frozen views of the floor. To plug in another source (a scenario player, the HTTP
bridge), build a ``ConsoleRuntime`` with that source and a :class:`Driver` that moves it:

- ``Driver.start()`` runs once on the engine's event loop (start background tasks there, e.g. an HTTP
  stream reader that feeds the floor);
- ``Driver.advance(wall_dt)`` runs on every engine tick with the wall-clock seconds since the last one
  (a simulator moves its simulated clock; a live source may do nothing);
- ``Driver.stop()`` runs once at the end, on the same loop.

All of them, and every Source command, run on the engine's loop, which may be another thread than the
screen's; they must not touch the TUI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hitl_console.config import Settings
from hitl_console.core.engine import Floor
from hitl_console.sources.base import Source
from hitl_console.sources.simulator import Simulator


class ConsoleInfo(Protocol):
    """What the screens read of a runtime (a :class:`ConsoleRuntime` is one; so is the screen's side of a
    console whose engine runs in another process, :class:`RemoteConsole`)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def supervisor(self) -> str: ...

    @property
    def db_path(self) -> Path | None: ...

    def close(self) -> None: ...


@dataclass
class RemoteConsole:
    """The screen's side of a console whose runtime is built and closed in the engine's process."""

    settings: Settings
    supervisor: str
    db_path: Path | None = None

    def close(self) -> None:
        return None


class Driver(Protocol):
    async def start(self) -> None: ...

    async def advance(self, wall_dt: float) -> None: ...

    async def stop(self) -> None: ...


class SimDriver:
    """Moves a simulator's clock by ``wall_dt * speed`` per tick (``speed`` 0: only :meth:`run_for` moves it).

    ``warmup_s`` simulated seconds run at start, so that the floor opens full rather than empty."""

    def __init__(self, sim: Simulator, speed: float = 1.0, *, warmup_s: float = 0.0, max_step_s: float = 1.0) -> None:
        self.sim = sim
        self.speed = speed
        self.warmup_s = warmup_s
        self.max_step_s = max_step_s

    async def start(self) -> None:
        self.sim.start()
        if self.warmup_s > 0:
            await self.run_for(self.warmup_s)

    async def advance(self, wall_dt: float) -> None:
        if self.speed > 0:
            await self.run_for(min(wall_dt, self.max_step_s) * self.speed)

    async def run_for(self, sim_seconds: float) -> int:
        """Run the simulation ``sim_seconds`` forward. Returns the number of actions run."""
        return await self.sim.run_until(self.sim.clock.now() + sim_seconds)

    async def stop(self) -> None:
        return None


@dataclass
class ConsoleRuntime:
    """Everything the App needs. ``close`` ends the session log (called once, after the engine stopped)."""

    floor: Floor
    source: Source
    driver: Driver
    supervisor: str
    settings: Settings
    db_path: Path | None = None
    on_close: Callable[[], None] | None = None
    threaded: bool = True  # run the engine on its own thread (tests run it on the screen's loop)
    flush: Callable[[], object] | None = None  # writes the log's buffered events (called on ticks)
    housekeeping_s: float = 5.0  # how often closed chats are dropped from memory (they are in the log)
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self.on_close is not None:
                self.on_close()


def make_sim_runtime(
    settings: Settings,
    *,
    seed: int = 0,
    db: Path | None = None,
    agent: str = "rules",
    supervisor: str = "supervisor",
    speed: float = 1.0,
    start: float | None = None,
    warmup_s: float = 90.0,
    threaded: bool = True,
) -> ConsoleRuntime:
    """The built-in simulated contact centre, logging to ``db`` when given.

    The simulation first runs ``warmup_s`` simulated seconds (ending at ``start``, default now), so the
    floor opens with its chats already under way."""
    import time

    from hitl_console.runtime import build_sim

    start = (time.time() if start is None else start) - warmup_s
    from hitl_console.sources.supervisors import SupervisorPolicy

    colleagues = settings.simulation.colleagues
    rt = build_sim(
        settings,
        seed=seed,
        db=db,
        agent=agent,
        supervisor=supervisor,
        start=start,
        source_name="console",
        # simulated fellow supervisors take the escalations you leave waiting
        policy=SupervisorPolicy.REACTIVE if colleagues else None,
        supervisors=colleagues,
        bot_prefix="colleague-",
        grace_s=settings.simulation.colleague_grace_s,
    )
    store = rt.store
    return ConsoleRuntime(
        floor=rt.floor,
        source=rt.sim,
        driver=SimDriver(rt.sim, speed, warmup_s=warmup_s),
        supervisor=supervisor,
        settings=settings,
        db_path=db,
        on_close=rt.close,
        threaded=threaded,
        flush=store.flush if store is not None else None,
    )
