"""``hitl-console rehearse``: a trainee rehearses a scripted scenario (interactive, or a scripted trainee
headless with --actions) and gets a score and a debrief."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from hitl_console.config import load_settings
from hitl_console.paths import SESSION_LOG, default_db


@click.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--actions", "actions_path", type=click.Path(path_type=Path), default=None,
              help="Run a scripted trainee from this actions file, headless.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (with --actions).")
@click.option("--trainee", default=None, help="The trainee's name (default: the actions file's, or 'trainee').")
@click.option("--db", type=SESSION_LOG, default=None,
              help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.")
@click.option("--no-log", is_flag=True, help="Do not store the rehearsal in the session log.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="Settings TOML file.")
@click.option("--speed", type=click.FloatRange(min=0.1, max=20.0), default=1.0, show_default=True,
              help="Scenario clock speed in the interactive rehearsal.")
def rehearse(
    scenario: Path,
    actions_path: Path | None,
    as_json: bool,
    trainee: str | None,
    db: Path | None,
    no_log: bool,
    config_path: Path | None,
    speed: float,
) -> None:
    """Rehearse a scenario file; with --actions, run a scripted trainee and print the score."""
    from hitl_console.training.loader import load_actions, load_scenario
    from hitl_console.training.rehearsal import build_rehearsal, finish, play_actions

    settings = load_settings(config_path)
    sc = load_scenario(scenario)
    db_path = None if no_log else (db or default_db())
    if actions_path is None:
        if as_json:
            raise click.UsageError("--json needs --actions (a scripted trainee)")
        from hitl_console.training.interactive import run_interactive

        run_interactive(scenario, sc, settings, db=db_path, trainee=trainee or "trainee", speed=speed)
        return
    acts = load_actions(actions_path, sc)
    rt = build_rehearsal(scenario, settings, scenario=sc, db=db_path, supervisor=trainee or acts.trainee)
    try:
        asyncio.run(play_actions(rt, acts))
    except BaseException:
        rt.close()
        raise
    res = finish(rt, mode="scripted", actions_file=actions_path)
    if as_json:
        click.echo(json.dumps(res, indent=2))
    else:
        from hitl_console.training.debrief import format_debrief

        click.echo(format_debrief(res))
