"""The interactive rehearsal: the scenario in the floor and chat screens, then the debrief screen."""

from __future__ import annotations

from pathlib import Path

from hitl_console.config import Settings
from hitl_console.errors import HitlError
from hitl_console.training.schema import Scenario


class RehearsalUnavailable(HitlError):
    """The interactive rehearsal cannot run here."""


def run_interactive(
    path: Path, scenario: Scenario, settings: Settings, *, db: Path | None, trainee: str, speed: float
) -> None:
    raise RehearsalUnavailable(
        f"{path}: the interactive rehearsal needs the console screens, which are not available in this build;"
        " run a scripted trainee with --actions FILE"
    )
