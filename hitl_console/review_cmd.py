"""``hitl-console review``: browse the session log's sessions, takeovers and chat timelines."""

from __future__ import annotations

from pathlib import Path

import click

from hitl_console.paths import SESSION_LOG, default_db


@click.command()
@click.option(
    "--db",
    type=SESSION_LOG,
    default=None,
    help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.",
)
def review(db: Path | None) -> None:
    """Browse past sessions, their takeovers (filter and sort them) and replay one chat's timeline."""
    from hitl_console.tui.review.app import ReviewApp  # Textual loads only for this command

    app = ReviewApp.open(db or default_db())
    app.run()
