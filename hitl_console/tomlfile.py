"""Reading a TOML file that a pydantic model validates, with every error as one line naming the file
(and, for a bad value, the field)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hitl_console.errors import HitlError


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


def invalid(e: ValidationError, label: str, path: Path, error: type[HitlError]) -> HitlError:
    """The first validation error as one line: ``LABEL PATH: field.path: message``."""
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return error(f"{label} {path}: {where}: {err['msg']}")
