"""The debrief screen: score and breakdown, what the trainee did against the ideal, the timeline, tips.

Every text from the rehearsal (customer lines, what the trainee typed) is shown literally: no markup. The
screen wraps the text itself, so that a number and its unit ("27 s") never land on two lines and a wrapped
line continues indented under its start."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from hitl_console.training.debrief import breakdown_lines, chat_lines, clean, timeline_lines
from hitl_console.tui.wrapped import Wrapped


def debrief_text(res: dict[str, Any]) -> Text:
    t = Text(end="")
    t.append(clean(res["scenario"]), "bold")
    t.append(f"  ({res['difficulty']})\n", "dim")
    t.append(f"Goal: {clean(res['goal'])}\n\n")
    score = int(res["score"])
    style = "bold green" if score >= 80 else "bold yellow" if score >= 50 else "bold red"
    t.append("Score ", "bold")
    t.append(f"{score} / 100\n", style)
    for line in breakdown_lines(res):
        t.append(line + "\n")
    t.append("\nWhat you did, against the ideal\n", "bold underline")
    for line in chat_lines(res):
        t.append(clean(line) + "\n")
    t.append("\nTips\n", "bold underline")
    for tip in res["tips"]:
        t.append(f"  • {clean(tip)}\n")
    t.append("\nTimeline\n", "bold underline")
    for line in timeline_lines(res, width=100):
        t.append(line + "\n", "bold cyan" if " YOU " in line else "")
    if "log" in res:
        t.append(f"\nStored in {clean(res['log']['db'])} (rehearsal {res['log']['rehearsal']}).\n", "dim")
    return t


class DebriefScreen(Screen[None]):
    """Shown when the rehearsal ends."""

    DEFAULT_CSS = """
    DebriefScreen #debrief-box { padding: 1 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit_rehearsal", "Quit", id="debrief.quit", tooltip="Leave the rehearsal"),
        Binding("escape", "app.pop_screen", "Floor", id="debrief.back", tooltip="Back to the (ended) floor"),
    ]

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(id="debrief")
        self.result = result

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="debrief-box"):
            yield Static(Wrapped(debrief_text(self.result)), id="debrief-text", markup=False)
        yield Footer()
