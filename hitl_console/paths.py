"""Default locations."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_db() -> Path:
    """The session log: ``$HITL_CONSOLE_DB`` or the user data directory."""
    env = os.environ.get("HITL_CONSOLE_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("hitl-console")) / "log.db"
