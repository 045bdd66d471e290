"""``hitl-console export``: one table of the session log as JSONL or CSV, streamed in constant memory."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import click

from hitl_console.errors import HitlError
from hitl_console.paths import SESSION_LOG, default_db
from hitl_console.store.export import EXPORTERS, FORMATS, TABLES, ExportQuery, export_csv
from hitl_console.store.queries import open_log, parse_time


class OutputError(HitlError):
    """The export's output cannot be written."""


class _Progress:
    """Rows written so far, on one refreshed line of stderr, at most four times a second."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.25 and done < total:
            return
        self.last = now
        self.shown = True
        pct = f" ({done * 100 // total}%)" if total else ""
        click.echo(f"\r{self.label}: {done:,}/{total:,} rows{pct}", nl=False, err=True)

    def end(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.command()
@click.option(
    "--db",
    type=SESSION_LOG,
    default=None,
    help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.",
)
@click.option("--table", required=True, help=f"The table to export: {', '.join(TABLES)}.")
@click.option(
    "--format", "fmt", default="jsonl", show_default=True, help=f"Output format: {', '.join(FORMATS)}."
)
@click.option(
    "--since", default=None, help="Only rows at or after this ISO date/time (UTC unless it has an offset)."
)
@click.option("--session", "session_id", type=int, default=None, help="Only rows of this session.")
@click.option("--redact", is_flag=True, help="Mask e-mail addresses, phone numbers and card numbers in text.")
@click.option("--out", "out", required=True, help="Output file, or - for standard output.")
def export(
    db: Path | None, table: str, fmt: str, since: str | None, session_id: int | None, redact: bool, out: str
) -> None:
    """Export one table of the session log as JSONL (one object a line) or CSV (UTF-8, header row). Each
    time column (epoch seconds) is followed by the same time as ISO-8601 UTC text, <column>_iso."""
    if table not in TABLES:
        raise OutputError(f"--table {table!r}: not one of {', '.join(TABLES)}")
    if fmt not in FORMATS:
        raise OutputError(f"--format {fmt!r}: not one of {', '.join(FORMATS)}")
    db_path = db or default_db()
    q = ExportQuery(table, since=parse_time(since) if since else None, session_id=session_id, redact=redact)
    if out != "-" and Path(out).resolve() == db_path.resolve():
        raise OutputError(f"output {out}: is the session log itself")
    conn = open_log(db_path)
    progress = _Progress(f"{table} -> {out}") if sys.stderr.isatty() and out != "-" else None
    try:
        if out == "-":
            stdout = sys.stdout.buffer
            if fmt == "csv":  # no byte-order mark on a pipe
                export_csv(conn, q, stdout, progress=progress, where=str(db_path), bom=False)
            else:
                EXPORTERS[fmt](conn, q, stdout, progress=progress, where=str(db_path))
            stdout.flush()
        else:
            _to_file(Path(out), lambda f: EXPORTERS[fmt](conn, q, f, progress=progress, where=str(db_path)))
    finally:
        conn.close()
        if progress:
            progress.end()


def _to_file(path: Path, write: Callable[[BinaryIO], int]) -> None:
    """Write through a temporary file next to ``path`` and move it into place: no half-written output."""
    if path.is_dir():
        raise OutputError(f"output {path}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else "."
        )
    except OSError as e:
        raise OutputError(f"output {path}: cannot be written ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            write(f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"output {path}: cannot be written ({e.strerror or e})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
