"""The debrief screen: score and breakdown, what the trainee did against the ideal, the timeline, tips.

Every text from the rehearsal (customer lines, what the trainee typed) is shown literally: no markup. The
screen wraps the text itself, so that a number and its unit ("27 s") never land on two lines and a wrapped
line continues indented under its start."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from hitl_console.training.debrief import breakdown_lines, chat_lines, clean, timeline_lines

# the space in "27 s", "40 %" and "rating 4": kept on one line
_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:s|%)(?:\W|$))|(?<=rating) (?=\d)")
_CHUNK = re.compile(r"[^ ]+ *| +")


def wrap_line(line: Text, width: int) -> list[Text]:
    """``line`` cut into lines of at most ``width`` cells at spaces, never between a number and its unit;
    continuation lines are indented two cells more than the line (a word longer than a line is left whole,
    for the renderer to fold)."""
    plain = line.plain
    if width <= 0 or cell_len(plain) <= width:
        return [line]
    indent = len(plain) - len(plain.lstrip(" "))
    hang = min(indent + 2, width // 2)
    glued = _UNIT_SPACE.sub("\u00a0", plain)  # same length: offsets carry over to ``plain``
    offsets: list[int] = []
    col = 0
    for m in _CHUNK.finditer(glued):
        word = cell_len(m.group().rstrip(" "))
        if col > (hang if offsets else indent) and word and col + word > width:
            offsets.append(m.start())
            col = hang
        col += cell_len(m.group())
    if not offsets:
        return [line]
    pieces = line.divide(offsets)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out[-1].rstrip()
        out.append(Text(" " * hang, end="") + piece)
    return out


class Wrapped:
    """A Rich renderable: lines of styled text wrapped by :func:`wrap_line` at the width it is given."""

    def __init__(self, text: Text) -> None:
        self.text = text
        self.lines = text.split("\n")

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in self.lines:
            for piece in wrap_line(line, options.max_width):
                # a word longer than the line is folded by Rich; every other piece already fits
                piece.no_wrap = cell_len(piece.plain) <= options.max_width
                piece.overflow, piece.end = "fold", "\n"
                yield piece

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line.plain) for line in self.lines), default=0)
        return Measurement(min(20, widest), widest).with_maximum(options.max_width)


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
