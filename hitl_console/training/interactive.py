"""The interactive rehearsal: the scenario in the console's floor and chat screens on a scenario clock
(``p`` pauses, ``E`` ends it), then the debrief screen. Textual is imported only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hitl_console.config import Settings
from hitl_console.training.driver import RehearsalDriver
from hitl_console.training.rehearsal import RehearsalRuntime, build_rehearsal, score_and_record
from hitl_console.training.schema import Scenario

if TYPE_CHECKING:
    from hitl_console.tui.app import HitlApp
    from hitl_console.tui.runtime import ConsoleRuntime


def make_console_runtime(rt: RehearsalRuntime, speed: float, *, threaded: bool = True) -> ConsoleRuntime:
    """The console's runtime over a rehearsal: the player is the source, the driver the scenario clock."""
    from hitl_console.tui.runtime import ConsoleRuntime

    store = rt.store
    return ConsoleRuntime(
        floor=rt.floor,
        source=rt.source,
        driver=RehearsalDriver(rt.source, speed),
        supervisor=rt.supervisor,
        settings=rt.settings,
        db_path=None if store is None else store.path,
        on_close=rt.close,
        threaded=threaded,
        flush=store.flush if store is not None else None,
        housekeeping_s=1e9,  # closed chats stay in memory: the debrief and the floor show them
    )


def make_app(rt: RehearsalRuntime, console: ConsoleRuntime, host: Any = None) -> HitlApp:
    """The console app with the rehearsal's keys and the debrief at the end."""
    from hitl_console.training.tui.rehearsal_app import RehearsalApp

    return RehearsalApp(rt, console, host)


def run_interactive(
    path: Path, scenario: Scenario, settings: Settings, *, db: Path | None, trainee: str, speed: float
) -> None:
    """Run the rehearsal at the console; print a one-line summary when it closes."""
    rt = build_rehearsal(path, settings, scenario=scenario, db=db, supervisor=trainee, mode="interactive")
    console = make_console_runtime(rt, speed)
    app = make_app(rt, console)
    try:
        app.run()
        res = getattr(app, "result", None)
        if res is None and app.fatal is None:  # left before the end: score what was done
            res = score_and_record(rt, mode="interactive")
    finally:
        console.close()
    if app.fatal is not None:
        raise app.fatal
    if res is not None:
        where = f"; stored in {res['log']['db']}" if "log" in res else ""
        click.echo(f"hitl-console: {scenario.title}: score {res['score']}/100{where}")
