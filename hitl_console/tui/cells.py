"""Small text formats shared by the floor and the workspace: durations, sparklines, bars, arrows."""

from __future__ import annotations

import time

_SPARK = "▁▂▃▄▅▆▇█"
_BAR = " ▏▎▍▌▋▊▉█"


def duration(seconds: float) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` above."""
    s = int(max(0.0, seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def clock(at: float) -> str:
    """Time of day of a floor timestamp (local time)."""
    return time.strftime("%H:%M:%S", time.localtime(at))


def spark(values: tuple[float, ...] | list[float], width: int) -> str:
    """A sparkline of values in 0..1, the newest right, padded left to ``width``."""
    vals = list(values)[-width:]
    s = "".join(_SPARK[min(7, max(0, int(v * 8)))] for v in vals)
    return s.rjust(width)


def bar(value: float, width: int) -> str:
    """A horizontal bar for a value in 0..1 (eighths of a cell)."""
    eighths = round(max(0.0, min(1.0, value)) * width * 8)
    full, part = divmod(eighths, 8)
    s = "█" * full + (_BAR[part] if part and full < width else "")
    return s.ljust(width)


def arrow(trend: float) -> str:
    if trend > 0.05:
        return "↑"
    if trend < -0.05:
        return "↓"
    return "→"
