"""Map a field path (as pydantic reports it) back to a line of a TOML file.

``tomllib`` keeps no positions, so this reads the text once: table headers (``[a]``, ``[[a.b]]``) and
``key = value`` lines, remembering the line where each path is defined. Good enough for error messages:
for a path that is not in the file (a missing field) it gives the line of the nearest enclosing table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")
_PART = re.compile(r"[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'")

Path = tuple[str | int, ...]


def _parts(dotted: str) -> list[str]:
    return [p.strip("\"'") for p in _PART.findall(dotted)]


def index_lines(text: str) -> dict[Path, int]:
    """Every path defined in ``text`` -> its 1-based line."""
    lines: dict[Path, int] = {}
    counts: dict[Path, int] = {}
    table: Path = ()
    in_multiline: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_multiline is not None:
            if in_multiline in line:
                in_multiline = None
            continue
        h = _HEADER.match(line)
        if h:
            names = _parts(h.group(2))
            path: Path = ()
            # resolve each part against arrays of tables already seen ([[chats.turns]] -> chats[last])
            for i, name in enumerate(names):
                path = (*path, name)
                if i < len(names) - 1 and path in counts:
                    path = (*path, counts[path] - 1)
            if h.group(1) == "[[":
                idx = counts.get(path, 0)
                counts[path] = idx + 1
                lines.setdefault(path, n)
                path = (*path, idx)
            lines.setdefault(path, n)
            table = path
            continue
        k = _KEY.match(line)
        if k:
            path = (*table, *_parts(k.group(1)))
            lines.setdefault(path, n)
            rest = line[k.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


def line_of(index: dict[Path, int], loc: Sequence[str | int]) -> int | None:
    """The line of the longest prefix of ``loc`` defined in the file."""
    path = tuple(loc)
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return None


def dotted(loc: Sequence[str | int]) -> str:
    """``("chats", 0, "turns", 2, "text")`` -> ``chats[0].turns[2].text``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
