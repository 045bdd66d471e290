"""The supervisor's console: the floor, the chat workspace and the help, over any source of chats.

The App is given a :class:`~hitl_console.tui.runtime.ConsoleRuntime` (see there for plugging in another
source: a scenario player, the HTTP bridge). It never touches engine state: it polls frozen views of the
floor on a timer (``settings.floor.tick_hz``) and sends supervisor commands through the runtime's
``Source``, on the engine's loop, awaiting each (a takeover or a close is committed to the log before the
screen shows it as done).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen

from hitl_console.core.engine import CommandRefused
from hitl_console.core.models import ChatStatus, EventType
from hitl_console.errors import HitlError
from hitl_console.tui.commands import ConsoleCommands
from hitl_console.tui.host import Host, InlineHost, make_host
from hitl_console.tui.runtime import ConsoleInfo, ConsoleRuntime
from hitl_console.tui.safe_text import clean
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.screens.confirm import ConfirmScreen
from hitl_console.tui.screens.floor import FloorScreen
from hitl_console.tui.screens.help import HelpScreen
from hitl_console.tui.view import ChatRow, FloorView
from hitl_console.tui.widgets.floor_table import FloorTable

_NOTICE_S: dict[SeverityLevel, float] = {"information": 3.0, "warning": 5.0, "error": 8.0}  # longest display


class HitlApp(App[int]):
    """The console. ``HitlApp(runtime)`` runs the engine on a thread (``InlineHost`` when the runtime is not
    threaded); ``HitlApp(info, host)`` runs it on the given host (the live console: a ``ProcessHost``)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "hitl-console"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", id="app.help", tooltip="Keys and legend"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit (asks first when you hold takeovers)"),
    ]

    def __init__(self, runtime: ConsoleInfo, host: Host | None = None) -> None:
        super().__init__()
        self.runtime = runtime
        if host is None:
            assert isinstance(runtime, ConsoleRuntime), "a host is needed when the runtime lives elsewhere"
            host = make_host(runtime)
        self.host: Host = host
        # A live host repaints the floor's changed lines in slices (see FloorTable); tests on an InlineHost
        # draw each view at once, so that a snapshot shows it whole.
        self.repaint_slice = 0 if isinstance(host, InlineHost) else 8
        self.view: FloorView | None = None
        self.fatal: HitlError | None = None
        self.left_chat: str | None = None  # the chat whose workspace was open last: the floor selects it on return
        self._ticking = False
        self._last_tick = time.perf_counter()
        self._stopped = False
        self.notified_escalations = 0
        self._unannounced: list[tuple[str, str, str]] = []
        self._last_announce = -1e9
        self.theme = "textual-dark"

    # -- life cycle ---------------------------------------------------------------------------------
    async def on_mount(self) -> None:
        if self.runtime.settings.floor.keys:
            self.set_keymap(dict(self.runtime.settings.floor.keys))
        try:
            await self.host.start()
            self.view = await self.host.fresh()
        except HitlError as e:
            self.fail(e)
            return
        await self.push_screen(FloorScreen())
        self.set_interval(1.0 / self.runtime.settings.floor.tick_hz, self.tick, name="floor-tick")

    async def on_unmount(self) -> None:
        await self.stop_engine()

    async def stop_engine(self) -> None:
        if not self._stopped:
            self._stopped = True
            await self.host.stop()

    def fail(self, error: HitlError) -> None:
        """End the console with one clear line (printed by the CLI), losing nothing already logged."""
        self.fatal = error
        self.exit(return_code=2)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """One notification at a time: a new one replaces the one shown, and none stays long."""
        limit = _NOTICE_S[severity]
        self.clear_notifications()
        super().notify(message, title=title, severity=severity, markup=markup,
                       timeout=limit if timeout is None else min(timeout, limit))

    # -- the tick -----------------------------------------------------------------------------------
    async def tick(self) -> None:
        if self._ticking or self.fatal is not None:
            return
        self._ticking = True
        try:
            now = time.perf_counter()
            dt, self._last_tick = now - self._last_tick, now
            try:
                view = await self.host.poll(dt)
            except HitlError as e:
                self.fail(e)
                return
            await self.show_view(view)
        finally:
            self._ticking = False

    async def refresh_view(self) -> None:
        """Show a view built now (after a command)."""
        try:
            view = await self.host.fresh()
        except HitlError as e:
            self.fail(e)
            return
        await self.show_view(view)

    async def show_view(self, view: FloorView) -> None:
        if self.view is view:
            return
        self.view = view
        if not self.screen_stack:
            return  # the app is closing (a last tick after its screens went)
        screen = self.screen
        try:
            with self.batch_update():
                if isinstance(screen, FloorScreen):
                    screen.show(view)
                elif isinstance(screen, ChatScreen):
                    await screen.update_from(view)
        except NoMatches:
            pass  # the screen is being built or torn down: the next tick shows it
        self._announce(view.new_escalations)

    def _announce(self, fresh: Iterable[tuple[str, str, str]]) -> None:
        """Notify new escalations: at once, then at most one notification every few seconds."""
        self._unannounced.extend(fresh)
        now = time.monotonic()
        if not self._unannounced or now - self._last_announce < 3.0:
            return
        self._last_announce = now
        new, self._unannounced = self._unannounced, []
        self.notified_escalations += len(new)
        if len(new) <= 2:
            for cid, customer, trigger in new:
                self.notify(f"{cid} {clean(customer, single_line=True)}: {trigger}", title="New escalation",
                            severity="warning", markup=False, timeout=6)
        else:
            self.notify(f"{len(new)} chats escalated: " + ", ".join(c for c, _, _ in new[:6]),
                        title="New escalations", severity="warning", markup=False, timeout=6)
        if self.runtime.settings.floor.bell:
            self.bell()

    # -- commands -----------------------------------------------------------------------------------
    async def command(self, what: str, name: str, *args: Any) -> Any:
        """Run a Source command (by name) on the engine's side; a refusal becomes a notification."""
        try:
            return await self.host.command(name, *args)
        except CommandRefused as e:
            self.notify(f"{what}: {e}", severity="warning", markup=False)
        except HitlError as e:
            self.fail(e)
        return None

    async def do(self, what: str, name: str, *args: Any) -> bool:
        """Like :meth:`command` for commands that return nothing: True when it was done."""
        try:
            await self.host.command(name, *args)
            return True
        except CommandRefused as e:
            self.notify(f"{what}: {e}", severity="warning", markup=False)
        except HitlError as e:
            self.fail(e)
        return False

    @property
    def me(self) -> str:
        return self.runtime.supervisor

    def row(self, chat_id: str) -> ChatRow | None:
        """The chat's row in the view shown last (None: not on the floor)."""
        view = self.view
        return next((r for r in view.rows if r.id == chat_id), None) if view is not None else None

    def held(self) -> list[str]:
        view = self.view
        if view is None:
            return []
        return [r.id for r in view.rows if r.status is ChatStatus.HUMAN and r.holder == self.me]

    async def open_chat(self, chat_id: str) -> ChatScreen:
        screen = self.screen
        if isinstance(screen, ChatScreen):
            if screen.chat_id == chat_id:
                return screen
            self.pop_screen()
        chat = ChatScreen(chat_id)
        self.left_chat = chat_id
        await self.push_screen(chat)
        return chat

    async def take_over(self, chat_id: str, *, open_workspace: bool = True) -> bool:
        tk = await self.command("take over", "take_over", chat_id, self.me)
        if tk is None:
            return False
        await self.refresh_view()
        chat = await self.open_chat(chat_id) if open_workspace else self.screen
        mine = len(self.held())
        cap = self.runtime.settings.floor.takeover_cap
        what = f"{tk.kind.value}" + (f", trigger {tk.trigger.value}" if tk.trigger else "")
        if mine > cap:
            self.notify(f"You now hold {mine} takeovers, above the cap of {cap}. Overloaded supervisors are "
                        "where quality is lost: hand back or resolve one.", title="Takeover cap",
                        severity="error", markup=False, timeout=10)
        else:
            self.notify(f"Took over {chat_id} ({what}).", markup=False, timeout=3)
        if isinstance(chat, ChatScreen):
            await chat.update_from(self.view)
            await chat.show_brief()  # the transcript keeps the focus: the workspace's keys act at once
        return True

    async def send(self, chat_id: str, text: str) -> bool:
        msg = await self.command("send", "send", chat_id, self.me, text)
        if msg is None:
            return False
        try:
            await self.host.commit()  # a human's words are in the log at once
        except HitlError as e:
            self.fail(e)
            return False
        await self.refresh_view()
        return True

    async def hand_back(self, chat_id: str) -> bool:
        held = self.row(chat_id)
        if not await self.do("hand back", "hand_back", chat_id, self.me):
            return False
        await self.refresh_view()
        row = self.row(chat_id)
        if row is not None and not row.eligible:
            self.notify(f"Handed {chat_id} back to the queue (the AI may not handle it).", markup=False, timeout=4)
        elif held is not None and held.trigger == "technical":  # why it was escalated before the takeover
            self.notify(f"Handed {chat_id} back to the AI. It escalated this chat as out of its depth before: "
                        "unless your replies settled the question, it may escalate again.",
                        severity="warning", markup=False, timeout=6)
        else:
            self.notify(f"Handed {chat_id} back to the AI.", markup=False, timeout=3)
        return True

    async def resolve(self, chat_id: str) -> bool:
        if not await self.do("resolve", "resolve", chat_id, self.me):
            return False
        await self.refresh_view()
        rating = await self._rating(chat_id)
        said = f": the customer rated it {rating}/5" if rating is not None else " (the customer gave no rating)"
        self.notify(f"Resolved {chat_id}{said}.", markup=False, timeout=5)
        return True

    async def _rating(self, chat_id: str) -> int | None:
        """The customer's rating of a closed chat, from its timeline (None: none given, or not known)."""
        try:
            detail = await self.host.detail(chat_id)
        except HitlError:
            return None
        if detail is None:
            return None
        for ev in reversed(detail.events):
            if ev.type is EventType.CHAT_CLOSED:
                rating = ev.data.get("rating")
                return rating if isinstance(rating, int) else None
        return None

    # -- app actions --------------------------------------------------------------------------------
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections: list[tuple[str, list[BindingType]]] = [
            ("Floor", list(FloorScreen.BINDINGS) + list(FloorTable.BINDINGS)),
            ("Chat workspace", list(ChatScreen.BINDINGS)),
            ("Everywhere", list(HitlApp.BINDINGS)),
        ]
        self.push_screen(HelpScreen(sections, dict(self.runtime.settings.floor.keys)))

    async def action_quit(self) -> None:
        if any(isinstance(s, ConfirmScreen) for s in self.screen_stack):
            return  # the question is on screen already (q, then ctrl+q): it is answered there
        held = self.held()
        if not held:
            await self.stop_engine()
            self.exit(return_code=0)
            return

        async def answer(yes: bool | None) -> None:
            if not yes:
                return
            for cid in held:
                await self.do("hand back", "hand_back", cid, self.me)
            await self.stop_engine()
            self.exit(return_code=0)

        n = len(held)
        queued = [cid for cid in held if (r := self.row(cid)) is not None and not r.eligible]
        where = "back to the AI" if not queued else (
            f"back ({', '.join(queued)} to the human queue: the AI may not handle {'it' if len(queued) == 1 else 'them'})")
        await self.push_screen(
            ConfirmScreen(f"You hold {n} open takeover{'s' if n != 1 else ''} ({', '.join(held)}).\n"
                          f"Hand {'it' if n == 1 else 'them'} {where} and quit?"),
            answer,
        )

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Keys and legend", self.action_help)
