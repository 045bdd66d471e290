"""``hitl-console run`` (and ``hitl-console`` with no command): the live floor on the simulated contact centre."""

from __future__ import annotations

import getpass
from functools import partial
from pathlib import Path

import click

from hitl_console.config import load_settings
from hitl_console.paths import SESSION_LOG, default_db


def login_name() -> str:
    try:
        return getpass.getuser() or "supervisor"
    except (KeyError, OSError):
        return "supervisor"


@click.command()
@click.option("--chats", type=click.IntRange(min=1), default=None,
              help="Target number of live chats (default: simulation.live_chats, 20).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same customers.")
@click.option("--speed", type=click.FloatRange(min=0.0, min_open=True), default=1.0, show_default=True,
              help="Simulated seconds per wall-clock second.")
@click.option("--db", type=SESSION_LOG, default=None,
              help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.")
@click.option("--supervisor", default=None, help="Your name in the log. Default: your login name.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="Settings TOML file.")
@click.option("--agent", type=click.Choice(["rules", "claude"]), default="rules", show_default=True,
              help="The AI agent (claude needs ANTHROPIC_API_KEY).")
@click.option("--warmup", type=click.FloatRange(min=0.0), default=90.0, show_default=True,
              help="Simulated seconds run before the floor opens, so it opens busy (they are in the log, "
                   "before your arrival); 0 opens an empty floor.")
def run(
    chats: int | None,
    seed: int,
    speed: float,
    db: Path | None,
    supervisor: str | None,
    config_path: Path | None,
    agent: str,
    warmup: float,
) -> None:
    """Open the live floor on the built-in simulated contact centre (offline with the rules agent)."""
    from hitl_console.store.writer import open_db
    from hitl_console.tui.app import HitlApp
    from hitl_console.tui.process_host import ProcessHost
    from hitl_console.tui.runtime import RemoteConsole, make_sim_runtime

    settings = load_settings(config_path)
    if chats is not None:
        settings.simulation.live_chats = chats
    db_path = db or default_db()
    name = supervisor or login_name()
    # Checked here, so that a bad log or a missing key is one line before the screen opens; the engine's
    # process then builds the runtime and owns the log.
    open_db(db_path).close()
    if agent == "claude":
        from hitl_console.agents.claude import require_key

        require_key()
    recipe = partial(make_sim_runtime, settings, seed=seed, db=db_path, agent=agent, supervisor=name,
                     speed=speed, warmup_s=warmup, threaded=False)
    app = HitlApp(RemoteConsole(settings, name, db_path), ProcessHost(recipe, settings.floor.tick_hz))
    app.run()
    if app.fatal is not None:
        raise app.fatal
    click.echo(f"hitl-console: session logged to {db_path}")
    if app.return_code:  # the console stopped on an error Textual reported
        raise SystemExit(app.return_code)
