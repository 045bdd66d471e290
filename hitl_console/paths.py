"""Default locations, and the ``--db`` option's type."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
import platformdirs

from hitl_console.errors import StoreError


def default_db() -> Path:
    """The session log: ``$HITL_CONSOLE_DB`` or the user data directory."""
    env = os.environ.get("HITL_CONSOLE_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("hitl-console")) / "log.db"


class SessionLogPath(click.Path):
    """A session log's path (``--db``). A directory is refused as the session log's own one-line error
    (``session log X: is a directory, not a file``), the way the log's other problems (missing, not SQLite,
    cannot be written) are reported when it is opened, rather than as a generic option error."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, Path | str):
            return super().convert(value, param, ctx)
        path = Path(value)
        if path.is_dir():
            raise StoreError(f"session log {path}: is a directory, not a file")
        return super().convert(path, param, ctx)


SESSION_LOG = SessionLogPath()
