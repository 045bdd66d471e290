"""Where the engine runs: on its own thread (the live console) or on the screen's loop (tests).

The :class:`Engine` owns the runtime's floor, source and driver and a :class:`FloorObserver`; everything it
does runs on one asyncio loop. A host runs that loop:

- :class:`ThreadHost` gives the engine a thread and loop of its own that ticks by itself, so simulation,
  scoring and logging never hold up a key press. The screen polls the latest frozen view.
- :class:`InlineHost` runs the engine on the caller's loop and ticks when polled: deterministic, for tests.

- :class:`~hitl_console.tui.process_host.ProcessHost` runs the engine in a process of its own (the live
  console on the simulated floor): the screen's process then spends nothing on simulation, scoring or the log.

All expose the same ``command`` (a :class:`~hitl_console.sources.base.Source` command by name, awaited),
``detail``, ``commit``, ``poll`` (the latest view) and ``fresh``. The in-process hosts also offer ``call`` (run
any coroutine function on the engine's loop), for tests and the rehearsal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

from hitl_console.tui.runtime import ConsoleRuntime
from hitl_console.tui.view import ChatDetail, FloorObserver, FloorView

T = TypeVar("T")

# Cycle-collector thresholds while a ThreadHost runs. With the default ones, a busy floor (thousands of
# events a second, each leaving messages and timeline entries behind) triggers full collections every
# second or so, each stopping both threads for 100-300 ms; with these, young collections are rarer and
# full ones come about once a minute under that load. Cyclic garbage is still collected.
GC_THRESHOLDS = (10_000, 20, 20)


class Engine:
    """The runtime plus its observer; every method runs on the engine's loop."""

    def __init__(self, runtime: ConsoleRuntime) -> None:
        self.runtime = runtime
        self.observer = FloorObserver(runtime.floor, runtime.supervisor, runtime.settings.floor.takeover_cap)
        self._since_flush = 0.0
        self._since_housekeeping = 0.0

    async def start(self) -> None:
        await self.runtime.driver.start()

    async def tick(self, wall_dt: float) -> FloorView:
        await self.advance(wall_dt)
        return self.observer.build()

    async def advance(self, wall_dt: float) -> None:
        """Move the source forward; write the log now and then; drop closed chats from memory."""
        rt = self.runtime
        await rt.driver.advance(wall_dt)
        self._since_flush += wall_dt
        if rt.flush is not None and self._since_flush >= 0.5:
            self._since_flush = 0.0
            rt.flush()
        self._since_housekeeping += wall_dt
        if self._since_housekeeping >= rt.housekeeping_s:
            self._since_housekeeping = 0.0
            rt.floor.forget_closed()

    async def commit(self) -> None:
        """Write the log's buffered events now."""
        if self.runtime.flush is not None:
            self.runtime.flush()

    async def view(self) -> FloorView:
        return self.observer.build()

    async def detail(self, chat_id: str) -> ChatDetail | None:
        return self.observer.detail(chat_id)

    async def stop(self) -> None:
        await self.runtime.driver.stop()


# The Source commands a screen may send (by name, so that they can cross a process boundary).
COMMANDS = frozenset({"take_over", "send", "hand_back", "resolve", "brief", "draft"})


class Host(Protocol):
    async def start(self) -> None: ...

    async def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T: ...

    async def command(self, name: str, *args: Any) -> Any: ...

    async def detail(self, chat_id: str) -> ChatDetail | None: ...

    async def commit(self) -> None: ...

    async def poll(self, wall_dt: float) -> FloorView: ...

    async def fresh(self) -> FloorView: ...

    async def stop(self) -> None: ...


class _InProcess:
    """Commands by name, the detail and the commit, for hosts whose engine lives in this process."""

    engine: Engine

    async def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        raise NotImplementedError

    async def command(self, name: str, *args: Any) -> Any:
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}")
        return await self.call(getattr(self.engine.runtime.source, name), *args)

    async def detail(self, chat_id: str) -> ChatDetail | None:
        return await self.call(self.engine.detail, chat_id)

    async def commit(self) -> None:
        await self.call(self.engine.commit)


class InlineHost(_InProcess):
    """The engine on the caller's loop: it moves only when polled or called."""

    def __init__(self, runtime: ConsoleRuntime) -> None:
        self.engine = Engine(runtime)

    async def start(self) -> None:
        await self.engine.start()

    async def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return await fn(*args)

    async def poll(self, wall_dt: float) -> FloorView:
        return await self.engine.tick(wall_dt)

    async def fresh(self) -> FloorView:
        return await self.engine.view()

    async def stop(self) -> None:
        await self.engine.stop()


class ThreadHost(_InProcess):
    """The engine on a thread of its own, moving ``2 * tick_hz`` times a second and publishing a frozen view
    ``tick_hz`` times a second; :meth:`poll` returns the latest view at once, so the screen never waits for
    the engine. While it runs, the interpreter's thread switch interval is shortened (``switch_s``) so that a
    key press gets the interpreter quickly even when the engine is busy.

    An exception on the engine's side (a log that cannot be written, a broken source) stops the ticking
    and is raised by the next :meth:`poll`, so the screen can end with one clear line.

    While it runs, the objects that exist at its start (modules, models, the screen) are moved out of the
    cycle collector's way (``gc.freeze``) and the collector runs less often (:data:`GC_THRESHOLDS`); both
    are restored by :meth:`stop`.
    """

    def __init__(self, runtime: ConsoleRuntime, tick_hz: float | None = None, switch_s: float = 0.001) -> None:
        self.engine = Engine(runtime)
        hz = tick_hz or runtime.settings.floor.tick_hz
        self.interval = 0.5 / hz
        self.publish_every = 1.0 / hz
        self.switch_s = switch_s
        self._old_switch = sys.getswitchinterval()
        self._old_gc = gc.get_threshold()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="hitl-engine", daemon=True)
        self._latest: FloorView | None = None
        self._error: BaseException | None = None
        self._stopping = False
        self._ticker_future: concurrent.futures.Future[None] | None = None
        self.ticks = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def start(self) -> None:
        sys.setswitchinterval(self.switch_s)
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        self._thread.start()
        await self.call(self.engine.start)
        self._latest = await self.call(self.engine.view)
        self._ticker_future = asyncio.run_coroutine_threadsafe(self._ticker(), self._loop)

    async def _ticker(self) -> None:
        last = published = time.perf_counter()
        while not self._stopping:
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            try:
                await self.engine.advance(now - last)
                if now - published >= self.publish_every:
                    published = now
                    self._publish(self.engine.observer.build())
            except BaseException as e:  # reported to the screen by poll()
                self._error = e
                return
            self.ticks += 1
            last = now

    async def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        fut: concurrent.futures.Future[T] = asyncio.run_coroutine_threadsafe(fn(*args), self._loop)
        return await asyncio.wrap_future(fut)

    async def poll(self, wall_dt: float) -> FloorView:
        if self._error is not None:
            raise self._error
        return self._latest if self._latest is not None else await self.fresh()

    def _publish(self, view: FloorView) -> None:
        latest = self._latest
        if latest is None or view.serial > latest.serial:
            self._latest = view

    async def fresh(self) -> FloorView:
        """A view built now on the engine's loop (never older than one shown before)."""
        view = await self.call(self.engine.view)
        self._publish(view)
        return self._latest or view

    async def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._stopping = True
        try:
            if self._ticker_future is not None:
                self._ticker_future.cancel()
                with contextlib.suppress(concurrent.futures.CancelledError, asyncio.CancelledError):
                    await asyncio.wrap_future(self._ticker_future)
            await self.call(self.engine.stop)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            await asyncio.to_thread(self._thread.join, 5.0)
            sys.setswitchinterval(self._old_switch)
            gc.set_threshold(*self._old_gc)
            gc.unfreeze()


def make_host(runtime: ConsoleRuntime) -> InlineHost | ThreadHost:
    return ThreadHost(runtime) if runtime.threaded else InlineHost(runtime)
