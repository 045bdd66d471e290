"""Safe, short text for the review screens: customer text is untrusted and never markup."""

from __future__ import annotations

from datetime import datetime, tzinfo

from hitl_console.tui import safe_text


def clean(text: object, *, one_line: bool = True) -> str:
    """The console's safe text (control characters, escapes and bidi marks made visible, never obeyed),
    on one line unless asked."""
    return safe_text.clean("" if text is None else str(text), single_line=one_line)


def when(at: float | None, tz: tzinfo | None) -> str:
    if at is None:
        return "-"
    return datetime.fromtimestamp(at, tz).strftime("%Y-%m-%d %H:%M:%S")


def secs(v: float | None) -> str:
    if v is None:
        return "-"
    v = max(0.0, v)
    if v < 60:
        return f"{v:.0f}s"
    if v < 3600:
        return f"{int(v // 60)}m{int(v % 60):02d}s"
    return f"{int(v // 3600)}h{int(v % 3600 // 60):02d}m"


def num(v: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if v is None else fmt.format(v)
