"""``hitl-console scenarios``: the scenario format for authors (JSON Schema) and a validator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from hitl_console.errors import HitlError


@click.group()
def scenarios() -> None:
    """Rehearsal scenarios: print the JSON Schema of the format, validate files."""


@scenarios.command("schema")
@click.option("--actions", "actions", is_flag=True, help="The schema of an actions file (a scripted trainee) instead.")
def schema(actions: bool) -> None:
    """Print the JSON Schema of a scenario file (for editors)."""
    from hitl_console.training.schema import Actions, Scenario

    model = Actions if actions else Scenario
    click.echo(json.dumps(model.model_json_schema(), indent=2))


@scenarios.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--actions", "actions", type=click.Path(path_type=Path), multiple=True,
              help="Also check an actions file against the (single) scenario. Repeatable.")
def validate(files: tuple[Path, ...], actions: tuple[Path, ...]) -> None:
    """Check scenario files (a folder: its *.toml files): one line per file; exit status 2 when any is broken."""
    from hitl_console.training.loader import load_actions, load_scenario

    files = tuple(p for f in files for p in (sorted(f.glob("*.toml")) if f.is_dir() else [f]))
    if not files:
        raise click.UsageError("no scenario files (*.toml) in the folders given")
    if actions and len(files) != 1:
        raise click.UsageError("--actions needs exactly one scenario file")
    failed = 0
    for f in files:
        try:
            sc = load_scenario(f)
            for a in actions:
                load_actions(a, sc)
        except HitlError as e:
            failed += 1
            click.echo(f"hitl-console: error: {e}", err=True)
            continue
        turns = sum(len(c.turns) for c in sc.chats)
        extra = f", {len(actions)} actions file(s) ok" if actions else ""
        click.echo(f"{f}: ok ({sc.difficulty}, {len(sc.chats)} chat(s), {turns} turns{extra}): {sc.title}")
    if failed:
        sys.exit(2)
