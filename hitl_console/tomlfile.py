"""Reading a TOML file that a pydantic model validates, with every error as one line naming the file
(and, for a bad value, the key)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hitl_console.errors import HitlError
from hitl_console.training.toml_lines import index_lines, line_of


def read_toml(path: Path, label: str, error: type[HitlError]) -> dict[str, Any]:
    """The parsed file; a missing, unreadable, non-UTF-8 or malformed file raises ``error``."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{label} {path}: not found") from None
    except OSError as e:
        raise error(f"{label} {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{label} {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise error(f"{label} {path}: {e}") from None


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MESSAGES = {"extra_forbidden": "unknown key"}


def toml_key(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a TOML dotted key (``floor.keys."floor.take_over"``, ``intents[2].id``)."""
    out = ""
    for x in loc:
        if isinstance(x, int):
            out += f"[{x}]"
        else:
            out += ("." if out else "") + (x if _BARE_KEY.fullmatch(x) else json.dumps(x))
    return out or "(top level)"


def _value(v: Any) -> str:
    """A scalar as TOML would write it (shortened); tables and arrays are not repeated."""
    if isinstance(v, bool):
        return " = " + str(v).lower()
    if isinstance(v, int | float):
        return f" = {v!r}"
    if isinstance(v, str):
        return " = " + json.dumps(v if len(v) <= 40 else v[:37] + "...", ensure_ascii=False)
    return ""


def error_lines(e: ValidationError, label: str, path: Path) -> list[str]:
    """Every validation error as one line: ``LABEL PATH:LINE: key = value: message`` (the line where the key,
    or the nearest table around it, is written). An error whose context holds ``problems`` (a list of
    ``{"key", "input", "msg"}``) gives one line per problem, under its key."""
    try:
        index = index_lines(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        index = {}
    found: list[tuple[tuple[int | str, ...], Any, str]] = []
    for err in e.errors(include_url=False):
        problems = (err.get("ctx") or {}).get("problems")
        if isinstance(problems, list) and problems:
            found += [((*err["loc"], p["key"]), p["input"], p["msg"]) for p in problems]
        else:
            found.append((tuple(err["loc"]), err.get("input"), _MESSAGES.get(err["type"], err["msg"])))
    lines = []
    for loc, value, msg in found:
        line = line_of(index, loc)
        lines.append(f"{label} {path}{'' if line is None else f':{line}'}: {toml_key(loc)}{_value(value)}: {msg}")
    return lines


def invalid(e: ValidationError, label: str, path: Path, error: type[HitlError]) -> HitlError:
    """All validation errors, one line each (see :func:`error_lines`), as one ``error``."""
    return error("\n".join(error_lines(e, label, path)))
