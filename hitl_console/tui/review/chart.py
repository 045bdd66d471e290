"""The frustration and confidence curves of one chat, drawn over its time, with the trigger, takeovers,
hand-backs and the close marked below them. Pure drawing over plain data; a replay cursor hides the future."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

FRUSTRATION = Style(color="red", bold=True)
CONFIDENCE = Style(color="dodger_blue1", bold=True)
BOTH = Style(color="magenta", bold=True)
AXIS = Style(dim=True)
CURSOR = Style(color="yellow")
MARKS = {
    "trigger": ("!", Style(color="yellow", bold=True)),
    "takeover": ("H", Style(color="green", bold=True)),
    "hand_back": ("B", Style(color="cyan", bold=True)),
    "close": ("X", Style(bold=True)),
    "error": ("E", Style(color="red", bold=True)),
}


@dataclass(frozen=True, slots=True)
class Curves:
    start: float
    end: float
    frustration: list[tuple[float, float]]  # (time, level 0..1)
    confidence: list[tuple[float, float]]
    marks: list[tuple[float, str]]  # (time, key of MARKS)


def _step(points: list[tuple[float, float]], t: float) -> float | None:
    """The last value at or before ``t`` (a step curve)."""
    v = None
    for at, x in points:
        if at > t:
            break
        v = x
    return v


class CurveChart(Widget):
    DEFAULT_CSS = "CurveChart { height: 12; }"

    def __init__(self, curves: Curves, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.curves = curves
        self.cursor: float | None = None  # replay: draw only up to this time
        self._lines: list[Strip] = []
        self._key: tuple[object, ...] = ()

    def set_cursor(self, t: float | None) -> None:
        self.cursor = t
        self.refresh()

    def _build(self, width: int, height: int) -> list[Strip]:
        c = self.curves
        label_w = 5
        plot_w = max(1, width - label_w)
        rows = max(2, height - 2)
        span = max(1e-9, c.end - c.start)
        grid: list[list[tuple[str, Style]]] = [[(" ", AXIS)] * plot_w for _ in range(rows)]
        limit = c.end if self.cursor is None else self.cursor
        for x in range(plot_w):
            t = c.start + span * x / max(1, plot_w - 1)
            if t > limit + 1e-9:
                break
            f, k = _step(c.frustration, t), _step(c.confidence, t)
            yf = None if f is None else round((1 - min(1.0, max(0.0, f))) * (rows - 1))
            yk = None if k is None else round((1 - min(1.0, max(0.0, k))) * (rows - 1))
            if yf is not None and yf == yk:
                grid[yf][x] = ("◆", BOTH)
                continue
            if yf is not None:
                grid[yf][x] = ("●", FRUSTRATION)
            if yk is not None:
                grid[yk][x] = ("■", CONFIDENCE)
        marks: list[tuple[str, Style]] = [("─", AXIS)] * plot_w
        for at, key in c.marks:
            if at > limit + 1e-9:
                continue
            x = min(plot_w - 1, max(0, round((at - c.start) / span * (plot_w - 1))))
            marks[x] = MARKS.get(key, ("?", AXIS))
        if self.cursor is not None:
            x = min(plot_w - 1, max(0, round((self.cursor - c.start) / span * (plot_w - 1))))
            for row in grid:
                if row[x][0] == " ":
                    row[x] = ("┊", CURSOR)
        out = []
        for i, row in enumerate(grid):
            label = "1.0 " if i == 0 else "0.5 " if i == (rows - 1) // 2 else "0.0 " if i == rows - 1 else ""
            segs = [Segment(label.rjust(label_w - 1) + "│", AXIS)] + [Segment(ch, st) for ch, st in row]
            out.append(Strip(segs).adjust_cell_length(width))
        out.append(
            Strip(
                [Segment(" " * (label_w - 1) + "└", AXIS)] + [Segment(ch, st) for ch, st in marks]
            ).adjust_cell_length(width)
        )
        legend = [
            Segment(" " * label_w),
            Segment("● frustration", FRUSTRATION),
            Segment("  "),
            Segment("■ AI confidence", CONFIDENCE),
            Segment("   "),
        ]
        for key, label in (
            ("trigger", "trigger"),
            ("takeover", "takeover"),
            ("hand_back", "hand-back"),
            ("close", "close"),
        ):
            ch, st = MARKS[key]
            legend += [Segment(ch, st), Segment(f" {label}  ", AXIS)]
        legend.append(Segment(f"  {span:.0f}s", AXIS))
        out.append(Strip(legend).adjust_cell_length(width))
        return out

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        key = (width, height, self.cursor)
        if key != self._key:
            self._lines = self._build(width, height)
            self._key = key
        return self._lines[y] if 0 <= y < len(self._lines) else Strip.blank(width)
