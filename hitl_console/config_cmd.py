"""``hitl-console config``: print or check settings."""

from __future__ import annotations

from pathlib import Path

import click

from hitl_console.config import defaults_toml, load_settings


@click.group()
def config() -> None:
    """Settings: print the documented defaults or check a file."""


@config.command("defaults")
def defaults() -> None:
    """Print the default settings as commented TOML (a starting point for --config)."""
    click.echo(defaults_toml())


@config.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check(path: Path) -> None:
    """Validate a settings file: every error on its own line (file, key, value, what is wrong), exit
    status 2; "PATH: ok" when it is valid."""
    load_settings(path)
    click.echo(f"{path}: ok")
