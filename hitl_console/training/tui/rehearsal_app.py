"""The console app for a rehearsal: the live console's floor and chat screens, plus a scenario clock that
pauses (``p``), an early end (``E``) and the debrief screen when the scenario is over."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from hitl_console.errors import HitlError
from hitl_console.training.driver import RehearsalDriver
from hitl_console.training.rehearsal import RehearsalRuntime, score_and_record
from hitl_console.training.tui.debrief_screen import DebriefScreen
from hitl_console.tui import app as console_app
from hitl_console.tui.app import HitlApp
from hitl_console.tui.cells import duration
from hitl_console.tui.runtime import ConsoleRuntime
from hitl_console.tui.safe_text import clean


class RehearsalApp(HitlApp):
    TITLE = "hitl-console rehearsal"
    CSS_PATH = Path(console_app.__file__).with_name("app.tcss")  # the console's own layout
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pause", "Pause", id="rehearsal.pause", tooltip="Pause the scenario clock"),
        Binding("p", "resume", "Resume", id="rehearsal.resume", tooltip="Resume the scenario clock"),
        Binding("E", "end_rehearsal", "End", id="rehearsal.end", tooltip="End the rehearsal now and see the debrief"),
    ]

    def __init__(self, rehearsal: RehearsalRuntime, runtime: ConsoleRuntime, host: Any = None) -> None:
        super().__init__(runtime, host)
        self.console_runtime = runtime
        self.rehearsal = rehearsal
        self.result: dict[str, Any] | None = None
        self.sub_title = rehearsal.scenario.title
        self._ending = False

    @property
    def driver(self) -> RehearsalDriver:
        d = self.console_runtime.driver
        assert isinstance(d, RehearsalDriver)
        return d

    def kpi_clock(self, now: float) -> tuple[Text, Text]:
        """The header in a rehearsal: first the scenario clock, the time since the rehearsal started (the
        debrief's times count from there) out of the scenario's longest run, PAUSED while paused; and the
        scenario's title where the live floor shows the time of day."""
        sc = self.rehearsal.scenario
        elapsed = min(max(0.0, now - self.driver.player.t0), sc.duration_s)
        lead = Text(" scenario ", "dim", end="")
        lead.append(duration(elapsed), "bold")
        lead.append(f" of {duration(sc.duration_s)}", "dim")
        if self.driver.paused:
            lead.append(" PAUSED", "bold reverse yellow")
        lead.append(" ")
        return lead, Text(clean(sc.title, single_line=True), "bold", end="")

    async def on_mount(self) -> None:  # runs after the console's own on_mount (Textual calls both)
        sc = self.rehearsal.scenario
        self.notify(f"{sc.goal}\np pauses the scenario clock, E ends the rehearsal.", title=sc.title,
                    markup=False, timeout=12)

    async def tick(self) -> None:
        await super().tick()
        if self.driver.over and self.result is None and not self._ending:
            await self.end_rehearsal()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``p`` is Pause while the clock runs and Resume while it is paused (the footer says which)."""
        if action == "pause":
            return not self.driver.paused
        if action == "resume":
            return self.driver.paused
        return super().check_action(action, parameters)

    def action_pause(self) -> None:
        self._set_paused(True)

    def action_resume(self) -> None:
        self._set_paused(False)

    def _set_paused(self, paused: bool) -> None:
        if self.result is not None:
            return
        self.driver.paused = paused
        self.sub_title = self.rehearsal.scenario.title + (" · PAUSED (p resumes)" if paused else "")
        self.refresh_bindings()
        self.notify("Scenario clock paused." if paused else "Scenario clock running.", markup=False, timeout=2)

    async def action_end_rehearsal(self) -> None:
        if self.result is None:
            await self.end_rehearsal()
        elif not isinstance(self.screen, DebriefScreen):
            await self.push_screen(DebriefScreen(self.result))

    async def end_rehearsal(self) -> None:
        """Stop the scenario clock, score and log the rehearsal (on the engine's loop), show the debrief."""
        self._ending = True
        self.driver.over = True
        rt = self.rehearsal

        async def score() -> dict[str, Any]:
            return score_and_record(rt, mode="interactive")

        try:
            self.result = await self.host.call(score)
        except HitlError as e:
            self.fail(e)
            return
        await self.refresh_view()
        await self.push_screen(DebriefScreen(self.result))

    async def action_quit_rehearsal(self) -> None:
        await self.stop_engine()
        self.exit(0)
