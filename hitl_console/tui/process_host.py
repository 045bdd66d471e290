"""The engine in a process of its own: the live console's host.

With the engine on a thread (:class:`~hitl_console.tui.host.ThreadHost`), simulation, scoring and logging
share the interpreter with the screen, so under load every repaint takes twice as long. A
:class:`ProcessHost` starts a child process (``python -m hitl_console.tui.engine_child``, joined by a socket
pair) that builds the runtime from a *recipe* (a picklable callable returning a
:class:`~hitl_console.tui.runtime.ConsoleRuntime`, sent as the first message), runs the
:class:`~hitl_console.tui.host.Engine` on its own loop and sends the screen only what changed:

- ``("view", ViewDiff)`` ``tick_hz`` times a second: the rows that changed (frozen
  :class:`~hitl_console.tui.view.ChatRow`), the ids that left, the KPIs and the new escalations;
- ``("reply", id, ok, value)`` for each command (``Source`` commands by name, ``detail``, ``commit``,
  ``view``, ``stop``); a refusal or a :class:`~hitl_console.errors.HitlError` travels back as the exception;
- ``("fatal", error)`` when the engine cannot go on (a log that cannot be written, a runtime that cannot be
  built): the next :meth:`ProcessHost.poll` raises it, so the screen ends with one clear line.

The child owns the session log: it writes, commits and closes it, also when the screen's process
disappears (the pipe's end is its signal to stop). It ignores SIGINT, so Ctrl+C in the terminal cannot
leave a half-written log; the screen stops it with ``stop``.

The screen's side reads the pipe from its own event loop (``add_reader``), so no thread competes with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from hitl_console.core.engine import CommandRefused
from hitl_console.errors import HitlError
from hitl_console.tui.host import COMMANDS, GC_THRESHOLDS, Engine
from hitl_console.tui.runtime import ConsoleRuntime
from hitl_console.tui.view import ChatDetail, ChatRow, FloorView, Kpis

T = TypeVar("T")
Recipe = Callable[[], ConsoleRuntime]


@dataclass(frozen=True, slots=True)
class ViewDiff:
    """A view as the difference to the one sent before (rows by identity: a rebuilt row is a changed row)."""

    now: float
    changed: tuple[ChatRow, ...]
    removed: tuple[str, ...]
    kpis: Kpis
    new_escalations: tuple[tuple[str, str, str], ...]
    seq: int
    serial: int


class EngineGone(HitlError):
    """The engine's process ended without being asked to."""


def portable(e: Exception) -> Exception:
    """What the screen is sent for ``e``: a refusal or a :class:`HitlError` as itself if it survives pickling
    (an exception with extra constructor arguments may not), else as a plain one with its message; any other
    exception (a bug on the engine's side) as one :class:`HitlError` line naming it."""
    if not isinstance(e, CommandRefused | HitlError):
        return HitlError(f"engine: {type(e).__name__}: {e}")
    try:
        back = pickle.loads(pickle.dumps(e))
        if type(back) is type(e) and str(back) == str(e):
            return e
    except Exception:
        pass
    return CommandRefused(str(e)) if isinstance(e, CommandRefused) else HitlError(str(e))


# -- the child ------------------------------------------------------------------------------------------


class _Server:
    """Runs in the child: ticks the engine, publishes view diffs, answers commands."""

    def __init__(self, runtime: ConsoleRuntime, conn: Connection, tick_hz: float) -> None:
        self.runtime = runtime
        self.engine = Engine(runtime)
        self.conn = conn
        self.interval = 0.5 / tick_hz
        self.publish_every = 1.0 / tick_hz
        self._sent: dict[str, ChatRow] = {}
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, msg: tuple[Any, ...]) -> None:
        with contextlib.suppress(OSError):  # the screen is gone: the loop ends on the pipe's EOF
            self.conn.send(msg)

    def publish(self) -> None:
        view = self.engine.observer.build()
        sent = self._sent
        changed = []
        live = set()
        for r in view.rows:
            live.add(r.id)
            if sent.get(r.id) is not r:
                sent[r.id] = r
                changed.append(r)
        removed = tuple(cid for cid in sent if cid not in live)
        for cid in removed:
            del sent[cid]
        self.send(("view", ViewDiff(view.now, tuple(changed), removed, view.kpis, view.new_escalations,
                                    view.seq, view.serial)))

    def _on_readable(self) -> None:
        try:
            while self.conn.poll():
                msg = self.conn.recv()
                task = asyncio.get_running_loop().create_task(self._handle(*msg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except (EOFError, OSError):  # the screen's process ended: stop and close the log
            self._stop.set()

    async def _handle(self, rid: int, name: str, args: tuple[Any, ...]) -> None:
        try:
            value: Any = None
            if name in COMMANDS:
                value = await getattr(self.runtime.source, name)(*args)
            elif name == "detail":
                value = self.engine.observer.detail(*args)
            elif name == "commit":
                await self.engine.commit()
            elif name == "view":
                self.publish()  # sent before the reply: the screen has it when the reply arrives
            elif name == "stop":
                self._stop.set()
                return  # answered once the log is closed
            else:
                raise ValueError(f"unknown command {name!r}")
            self.send(("reply", rid, True, value))
        except Exception as e:  # a refusal, an error, or a bug: one line on the screen, the log kept
            self.send(("reply", rid, False, portable(e)))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self._on_readable)
        try:
            await self.engine.start()
            self.publish()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
            last = published = time.perf_counter()
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.interval)
                now = time.perf_counter()
                await self.engine.advance(now - last)
                last = now
                if now - published >= self.publish_every:
                    published = now
                    self.publish()
        except Exception as e:
            self.send(("fatal", portable(e)))
        finally:
            loop.remove_reader(self.conn.fileno())
            for task in list(self._tasks):
                task.cancel()
            try:
                await self.engine.stop()
            finally:
                self.runtime.close()
        self.send(("stopped",))


def serve(conn: Connection) -> None:
    """The child's entry point: the first message is ``(recipe, tick_hz)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        recipe, tick_hz = conn.recv()
        runtime = recipe()
    except Exception as e:
        conn.send(("fatal", portable(e)))
        return
    asyncio.run(_Server(runtime, conn, tick_hz).run())


# -- the screen's side ------------------------------------------------------------------------------------


class ProcessHost:
    """The engine in a child process; see the module's doc. ``start_s`` bounds the child's start-up."""

    def __init__(self, recipe: Recipe, tick_hz: float, *, start_s: float = 60.0) -> None:
        self.recipe = recipe
        self.tick_hz = tick_hz
        self.start_s = start_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._rows: dict[str, ChatRow] = {}
        self._latest: FloorView | None = None
        self._first = asyncio.Event()
        self._error: HitlError | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)
        self._stopping = False
        self._stopped: asyncio.Future[None] | None = None
        self._escalations: list[tuple[str, str, str]] = []
        self._old_gc: tuple[int, int, int] | None = None

    async def start(self) -> None:
        mine, theirs = socket.socketpair()
        here = Connection(mine.detach())
        self._conn = here
        fd = theirs.fileno()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "hitl_console.tui.engine_child", str(fd)],
            pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl+C and terminal signals are the screen's; it stops the engine
        )
        theirs.close()
        here.send((self.recipe, self.tick_hz))
        loop = asyncio.get_running_loop()
        self._stopped = loop.create_future()
        loop.add_reader(here.fileno(), self._on_readable)
        try:
            await asyncio.wait_for(self._wait_first(), self.start_s)
        except TimeoutError:
            raise EngineGone(f"the engine's process did not start within {self.start_s:.0f} s") from None
        self._raise()
        # The screen's own objects leave the cycle collector's way and it runs less often: each view
        # replaces hundreds of rows, and full collections over the whole screen took 50-100 ms.
        self._old_gc = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)

    async def _wait_first(self) -> None:
        first: asyncio.Future[Any] = asyncio.ensure_future(self._first.wait())
        stopped: asyncio.Future[Any] | None = self._stopped
        assert stopped is not None
        await asyncio.wait([first, stopped], return_when=asyncio.FIRST_COMPLETED)
        first.cancel()

    # -- reading the pipe (on the screen's loop) -----------------------------------------------------------
    def _on_readable(self) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            while conn.poll():
                self._dispatch(conn.recv())
        except (EOFError, OSError):
            self._gone()

    def _dispatch(self, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "view":
            self._apply(msg[1])
        elif kind == "reply":
            fut = self._pending.pop(msg[1], None)
            if fut is not None and not fut.done():
                if msg[2]:
                    fut.set_result(msg[3])
                else:
                    fut.set_exception(msg[3])
        elif kind == "fatal":
            self._fail(msg[1])
        elif kind == "stopped":
            self._gone()

    def _apply(self, d: ViewDiff) -> None:
        rows = self._rows
        for cid in d.removed:
            rows.pop(cid, None)
        for r in d.changed:
            rows[r.id] = r
        self._escalations.extend(d.new_escalations)  # until a view carrying them reaches the screen
        self._latest = FloorView(now=d.now, rows=tuple(rows.values()), kpis=d.kpis,
                                 new_escalations=tuple(self._escalations), seq=d.seq, serial=d.serial)
        self._first.set()

    def _fail(self, error: HitlError) -> None:
        if self._error is None:
            self._error = error
        self._fail_pending(error)

    def _fail_pending(self, error: HitlError) -> None:
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(error)
        self._pending.clear()

    def _gone(self) -> None:
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(conn.fileno())
        if not self._stopping:  # asked to stop: the screen keeps its last view
            code = self._proc.poll() if self._proc is not None else None
            self._fail(EngineGone("the engine's process ended unexpectedly"
                                  + (f" (exit code {code})" if code is not None else "")
                                  + "; the log holds everything up to its last commit"))
        self._fail_pending(EngineGone("the engine has stopped"))
        if self._stopped is not None and not self._stopped.done():
            self._stopped.set_result(None)

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    # -- the Host interface ------------------------------------------------------------------------------
    async def _request(self, name: str, *args: Any) -> Any:
        self._raise()
        conn = self._conn
        assert conn is not None, "start() first"
        rid = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            conn.send((rid, name, args))
        except OSError:
            self._pending.pop(rid, None)
            self._gone()
            self._raise()
        return await fut

    async def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        raise NotImplementedError("the engine runs in another process: send a command by name")

    async def command(self, name: str, *args: Any) -> Any:
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}")
        return await self._request(name, *args)

    async def detail(self, chat_id: str) -> ChatDetail | None:
        detail: ChatDetail | None = await self._request("detail", chat_id)
        return detail

    async def commit(self) -> None:
        await self._request("commit")

    def _take(self) -> FloorView:
        view = self._latest
        assert view is not None
        self._escalations.clear()
        return view

    async def poll(self, wall_dt: float) -> FloorView:
        self._raise()
        return self._take()

    async def fresh(self) -> FloorView:
        await self._request("view")
        return self._take()

    async def stop(self) -> None:
        """Ask the engine to stop (it commits and closes the log), then wait for its process to end."""
        proc = self._proc
        if proc is None or self._stopping:
            return
        self._stopping = True
        conn = self._conn
        try:
            if conn is not None and self._stopped is not None and not self._stopped.done():
                with contextlib.suppress(OSError):
                    conn.send((0, "stop", ()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._stopped), 30.0)
        finally:
            try:
                await asyncio.to_thread(proc.wait, 10.0)
            except subprocess.TimeoutExpired:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    await asyncio.to_thread(proc.wait, 5.0)
            if conn is not None:
                with contextlib.suppress(ValueError, OSError):
                    asyncio.get_running_loop().remove_reader(conn.fileno())
                conn.close()
            self._conn = None
            if self._old_gc is not None:
                gc.set_threshold(*self._old_gc)
                gc.unfreeze()
                self._old_gc = None
