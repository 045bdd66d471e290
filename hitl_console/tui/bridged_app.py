"""The console on an agent platform (``hitl-console connect``): the floor plus the bridge link's state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from hitl_console.bridge.link import Link, LinkState
from hitl_console.tui.app import HitlApp
from hitl_console.tui.runtime import ConsoleRuntime

_LINK_STYLE = {LinkState.CONNECTED: "green", LinkState.DOWN: "bold reverse red"}


class BridgedApp(HitlApp):
    """The console, plus the link's state: a line above the KPIs of the floor and of a chat's workspace,
    and a notice when it changes."""

    def __init__(self, runtime: ConsoleRuntime, link: Link) -> None:
        super().__init__(runtime)
        self.link = link
        self._link_state: LinkState | None = None

    async def on_mount(self) -> None:  # runs after the console's own on_mount (Textual calls both)
        self.set_interval(0.5, self._show_link, name="bridge-link")

    def _show_link(self) -> None:
        snap = self.link.snapshot()  # frozen: safe to read from the screen's thread
        self.sub_title = snap.line()
        if not self.screen_stack:
            return  # closing
        screen = self.screen
        kpis = screen.query("#kpis")  # the floor and the chat workspace: the link's line sits above their KPIs
        if kpis:
            bars = screen.query("#bridge-link")
            if not bars:
                screen.mount(Static("", id="bridge-link", markup=False), before=kpis.first())
                bars = screen.query("#bridge-link")
            style = _LINK_STYLE.get(snap.state, "bold reverse yellow")
            for bar in bars.results(Static):
                bar.update(Text(f" {snap.url}  {snap.line()}", style=style, no_wrap=True, overflow="ellipsis"))
        if snap.state is not self._link_state:
            if self._link_state is not None or snap.state is not LinkState.CONNECTED:
                self.notify(snap.line(), title=f"Platform link {snap.state.value}",
                            severity="information" if snap.state is LinkState.CONNECTED else "warning",
                            markup=False, timeout=6)
            self._link_state = snap.state
