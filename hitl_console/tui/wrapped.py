"""Text that wraps itself at the width it is drawn at: continuation lines hang under the line's text, and a
number never parts from its unit ("27 s"). Used where Rich's own wrapping would send the rest of a line
back to column 0 (the debrief, the help screen)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text

Hang = Callable[[str], int]  # a line's plain text -> the column its continuation lines start at

# the space in "27 s", "40 %" and "rating 4": kept on one line
_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:s|%)(?:\W|$))|(?<=rating) (?=\d)")
_CHUNK = re.compile(r"[^ ]+ *| +")


def wrap_line(line: Text, width: int, hang_at: Hang | None = None) -> list[Text]:
    """``line`` cut into lines of at most ``width`` cells at spaces, never between a number and its unit;
    continuation lines are indented two cells more than the line, or ``hang_at(plain)`` cells (a word
    longer than a line is left whole, for the renderer to fold)."""
    plain = line.plain
    if width <= 0 or cell_len(plain) <= width:
        return [line]
    indent = len(plain) - len(plain.lstrip(" "))
    hang = min(indent + 2 if hang_at is None else hang_at(plain), width // 2)
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
    """A Rich renderable: lines of styled text wrapped by :func:`wrap_line` at the width it is given
    (``hang_at``: where a line's continuation starts, as in :func:`wrap_line`)."""

    def __init__(self, text: Text, hang_at: Hang | None = None) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.hang_at = hang_at

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in self.lines:
            for piece in wrap_line(line, options.max_width, self.hang_at):
                # a word longer than the line is folded by Rich; every other piece already fits
                piece.no_wrap = cell_len(piece.plain) <= options.max_width
                piece.overflow, piece.end = "fold", "\n"
                yield piece

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line.plain) for line in self.lines), default=0)
        return Measurement(min(20, widest), widest).with_maximum(options.max_width)
