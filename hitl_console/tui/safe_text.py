"""Untrusted text made safe for the screen.

Customer and agent text is shown literally: it never goes through Rich markup, and escape sequences
(ANSI CSI, OSC, other ESC sequences), C0/C1 control characters and bidirectional overrides are made
visible instead of being sent to the terminal, so a message cannot style, move, hide or reorder anything.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls (without tab and newline, handled by the caller), DEL, C1 controls, and the bidi
# embedding/override/isolate marks that can reorder what is on screen.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures" block: ␀ ␁ ... ␟
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"


def clean(text: str, *, single_line: bool = False) -> str:
    """``text`` with every control character made visible (ESC as ␛, so ``\\x1b[31m`` reads ``␛[31m``).

    Tabs become a space; newlines stay unless ``single_line`` (then they become ``⏎``)."""
    text = text.replace("\t", " ").replace("\r\n", "\n")
    if single_line:
        text = text.replace("\n", " ⏎ ")
    return _CONTROL.sub(_visible, text)


def literal(text: str, style: str = "", *, single_line: bool = False) -> Text:
    """A rich Text that shows ``text`` literally (no markup, no escapes, no emoji codes)."""
    return Text(clean(text, single_line=single_line), style=style, no_wrap=single_line, end="")


def one_line(text: str, limit: int) -> str:
    """A single clean line of at most ``limit`` characters (with an ellipsis when cut)."""
    s = clean(text, single_line=True)
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"
