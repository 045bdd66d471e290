"""The help screen: every key (as currently mapped) with what it does, and how to read the floor."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hitl_console.tui.wrapped import Wrapped

_LEGEND = """\
Floor columns
  !  escalated: a trigger fired and the chat waits in the queue for a human; its status says why
     (technical, emotional, requested by the customer, off-scope for the AI)
  ⚑  proactive candidate: the AI holds it but the escalation risk is at or above the warning threshold
  ●  a chat you hold
  frustration: chat level (0-1), trend arrow and the last customer messages as a sparkline
  conf: the AI's confidence in its last reply   risk: forecast of an escalation (0-1, with a bar)
  wait: how long an escalated customer has waited, or how long a customer has waited for the human's reply
  Colours repeat what the numbers say: red is over a threshold, yellow close to it.

Takeovers are logged as `proactive` (no trigger pending) or `escalation` (with its trigger).
Above the takeover cap the header shows OVER CAP with your average reply time."""


# What the bindings without a tooltip of their own do (the floor's cursor keys, the dialogs' answers).
_EXPLAIN = {
    "floor.up": "Move to the chat above",
    "floor.down": "Move to the chat below",
    "floor.page_up": "Move up one screen of chats",
    "floor.page_down": "Move down one screen of chats",
    "floor.first": "Move to the first chat (what needs a human most)",
    "floor.last": "Move to the last chat",
    "help.close": "Close this help",
    "confirm.yes": "Answer yes",
    "confirm.no": "Answer no",
}


def explain(b: Binding) -> str:
    """What a binding does, in a few words: its tooltip, else the explanation above, else its description."""
    return b.tooltip or _EXPLAIN.get(b.id or "", "") or b.description


def _legend_hang(line: str) -> int:
    """Where a legend line continues: after its mark (``!  ``, ``⚑  ``), else two cells in (or at 0)."""
    body = line.lstrip()
    lead = len(line) - len(body)
    return lead + 3 if len(body) > 3 and body[1:3] == "  " else lead + 2 if lead else 0


def legend() -> Wrapped:
    """The legend; a line that does not fit wraps under its own text (after a mark such as ``!  ``)."""
    return Wrapped(Text(_LEGEND, end=""), _legend_hang)


_INDENT = 29  # "  " + key (10) + description (16) + " "


def key_table(sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str]) -> Wrapped:
    """The bindings of each section as `key  description  explanation  [id]`, with remapped keys applied;
    an explanation that does not fit wraps under itself (not under the keys)."""
    t = Text(end="")
    for title, bindings in sections:
        t.append(f"{title}\n", "bold underline")
        for b in bindings:
            if not isinstance(b, Binding):
                continue
            keys = keymap.get(b.id, b.key) if b.id else b.key
            shown = b.key_display if b.key_display and not (b.id and b.id in keymap) else keys
            shown = shown.replace("slash", "/").replace("question_mark", "?")
            t.append(f"  {shown:<10}", "bold cyan")
            t.append(f"{b.description:<16}")
            t.append(f" {explain(b)}", "dim")
            if b.id:
                t.append(f"  [{b.id}]", "dim italic")
            t.append("\n")
        t.append("\n")
    return Wrapped(t, lambda line: _INDENT if line.startswith("  ") else 0)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str]) -> None:
        super().__init__(id="help")
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("hitl-console: keys", "bold reverse"), id="help-title")
            yield Static(key_table(self.sections, self.keymap), id="help-keys")
            yield Static(legend(), id="help-legend")
            yield Static(Text("escape closes this help · keys are remapped by id under [floor] keys in the config",
                              "dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
