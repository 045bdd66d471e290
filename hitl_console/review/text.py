"""Safe, short text for the review screens: customer text is untrusted and never markup."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def clean(text: object, *, one_line: bool = True) -> str:
    """Text without control characters (terminal escapes, bidi overrides); on one line unless asked."""
    s = "" if text is None else str(text)
    if one_line:
        s = _NEWLINES.sub(" ⏎ ", s)
    return _CONTROL.sub("", s.replace("\t", " "))


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
