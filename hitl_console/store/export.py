"""Streaming export of a session log table to JSONL or CSV, in constant memory.

JSONL rows are built by SQLite itself (``json_object``), which is what makes the export fast; CSV goes
through :mod:`csv`. Columns are read from the log, so columns added later appear without a change here.
Each time column (``at``, ``*_at``: epoch seconds) is followed by the same time as ISO-8601 UTC text
(``at_iso``, ``*_at_iso``), in both formats. To export another table, add an :class:`ExportTable` to :data:`TABLES`.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from hitl_console.errors import InputError, StoreError
from hitl_console.store.queries import explain
from hitl_console.store.redact import redact, redact_json

FORMATS = ("jsonl", "csv")
CHUNK = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ExportTable:
    """How to export one table: its time column (for ``--since``), its session column (for ``--session``),
    the free-text columns ``--redact`` masks, and the columns that hold JSON documents."""

    time_column: str | None
    session_column: str | None = "session_id"
    order: str = "rowid"
    text_columns: tuple[str, ...] = ()
    json_columns: tuple[str, ...] = ()


TABLES: dict[str, ExportTable] = {
    "sessions": ExportTable("started_at", session_column="id", order="id", json_columns=("config",)),
    "chats": ExportTable("opened_at", text_columns=("customer",)),
    "messages": ExportTable("at", order="id", text_columns=("text", "author")),
    "events": ExportTable("at", order="id", json_columns=("data",)),
    "takeovers": ExportTable("taken_at", order="id"),
    "rehearsals": ExportTable("started_at", order="id", json_columns=("timing_outcomes", "result")),
}


@dataclass(frozen=True, slots=True)
class ExportQuery:
    table: str
    since: float | None = None
    session_id: int | None = None
    redact: bool = False


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]


def real_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """Columns declared as floating point."""
    return {
        r[1]
        for r in conn.execute(f"PRAGMA table_info({_quote(table)})")
        if str(r[2]).upper()[:4] in _REAL_TYPES
    }


TIME_SUFFIX = "_at"  # the log's times (`at`, `*_at`): seconds since the Unix epoch (docs/schema.md)
ISO_SUFFIX = "_iso"  # the readable companion of each: ISO-8601 UTC text, to the second
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"  # datetime.isoformat()'s form for UTC


def output_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str | None]]:
    """The exported columns in order, as (name, time column it renders or None for a column of the log):
    the log's columns, each time column (``at`` or ``*_at``, a REAL) followed by ``<name>_iso``."""
    cols = columns(conn, table)
    reals = real_columns(conn, table)
    out: list[tuple[str, str | None]] = []
    for c in cols:
        out.append((c, None))
        iso = c + ISO_SUFFIX
        if ("_" + c).endswith(TIME_SUFFIX) and c in reals and iso not in cols:
            out.append((iso, c))
    return out


def _iso_expr(col: str) -> str:
    """The time column as ISO-8601 UTC text (NULL stays NULL; SQLite rounds to the millisecond first)."""
    return f"strftime('{_ISO_FORMAT}', {_quote(col)}, 'unixepoch')"


def _spec(conn: sqlite3.Connection, q: ExportQuery) -> tuple[ExportTable, list[str]]:
    spec = TABLES.get(q.table)
    if spec is None:
        raise InputError(f"table {q.table!r}: not one of {', '.join(TABLES)}")
    cols = columns(conn, q.table)
    if not cols:
        raise InputError(f"table {q.table!r}: not in this session log")
    return spec, cols


def _where(spec: ExportTable, q: ExportQuery) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    if q.since is not None and spec.time_column:
        parts.append(f"{_quote(spec.time_column)} >= ?")
        params.append(q.since)
    if q.session_id is not None and spec.session_column:
        parts.append(f"{_quote(spec.session_column)} = ?")
        params.append(q.session_id)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


_REAL_TYPES = ("REAL", "FLOA", "DOUB")


def _exact_real(c: str) -> str:
    """A REAL as a JSON number that reads back to the same float (SQLite's default keeps 15 digits)."""
    short = f"printf('%!.15g', {c})"
    return (
        f"CASE WHEN typeof({c}) = 'real' THEN json(CASE WHEN CAST({short} AS REAL) = {c} THEN {short}"
        f" ELSE printf('%!.17g', {c}) END) ELSE {c} END"
    )


def _column_expr(spec: ExportTable, col: str, q: ExportQuery, *, as_json: bool, real: bool = False) -> str:
    c = _quote(col)
    if as_json and real:
        return _exact_real(c)
    if q.redact and col in spec.json_columns:
        c = f"hitl_redact_json({c})"
    elif q.redact and col in spec.text_columns:
        c = f"hitl_redact({c})"
    if as_json and col in spec.json_columns:
        return f"CASE WHEN json_valid({c}) THEN json({c}) ELSE {c} END"
    return c


def count_rows(conn: sqlite3.Connection, q: ExportQuery) -> int:
    spec, _ = _spec(conn, q)
    where, params = _where(spec, q)
    return int(conn.execute(f"SELECT count(*) FROM {_quote(q.table)}{where}", params).fetchone()[0])


def _prepare(conn: sqlite3.Connection, q: ExportQuery) -> None:
    if q.redact:
        conn.create_function("hitl_redact", 1, redact, deterministic=True)
        conn.create_function("hitl_redact_json", 1, redact_json, deterministic=True)


def _stream(
    conn: sqlite3.Connection,
    sql: str,
    params: list[Any],
    write: Callable[[list[Any]], None],
    progress: Progress | None,
    total: int,
    where: str,
) -> int:
    """Run ``sql`` and hand its rows to ``write`` a chunk at a time (constant memory). Returns the count."""
    n = 0
    try:
        cur = conn.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            write(rows)
            n += len(rows)
            if progress:
                progress(n, total)
    except sqlite3.Error as e:
        raise StoreError(f"session log {where}: {explain(e)}") from None
    return n


def export_jsonl(
    conn: sqlite3.Connection,
    q: ExportQuery,
    out: BinaryIO,
    *,
    progress: Progress | None = None,
    where: str = "log",
) -> int:
    """Write one JSON object a line. Returns the number of rows."""
    spec, _ = _spec(conn, q)
    _prepare(conn, q)
    reals = real_columns(conn, q.table)
    pairs = ", ".join(
        f"'{c.replace(chr(39), chr(39) * 2)}', "
        + (_iso_expr(src) if src else _column_expr(spec, c, q, as_json=True, real=c in reals))
        for c, src in output_columns(conn, q.table)
    )
    cond, params = _where(spec, q)
    sql = f"SELECT json_object({pairs}) FROM {_quote(q.table)}{cond} ORDER BY {spec.order}"
    total = count_rows(conn, q) if progress else 0

    def write(rows: list[Any]) -> None:
        out.write(("\n".join([r[0] for r in rows]) + "\n").encode("utf-8", "replace"))

    return _stream(conn, sql, params, write, progress, total, where)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(v: object) -> object:
    """Spreadsheet-safe cell: text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(v, str) and v.startswith(_FORMULA):
        return "'" + v
    return v


def export_csv(
    conn: sqlite3.Connection,
    q: ExportQuery,
    out: BinaryIO,
    *,
    progress: Progress | None = None,
    where: str = "log",
    bom: bool = True,
) -> int:
    """Write UTF-8 CSV and a header row; with ``bom`` (for files) a byte-order mark first, so spreadsheets
    detect the encoding (not for a pipe, where it would be a stray character)."""
    spec, _ = _spec(conn, q)
    _prepare(conn, q)
    out_cols = output_columns(conn, q.table)
    exprs = ", ".join(_iso_expr(src) if src else _column_expr(spec, c, q, as_json=False) for c, src in out_cols)
    cond, params = _where(spec, q)
    sql = f"SELECT {exprs} FROM {_quote(q.table)}{cond} ORDER BY {spec.order}"
    total = count_rows(conn, q) if progress else 0
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if bom else "utf-8", errors="replace", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([c for c, _ in out_cols])
    try:
        return _stream(
            conn, sql, params, lambda rows: writer.writerows([[_cell(v) for v in r] for r in rows]), progress, total, where
        )
    finally:
        text.flush()
        text.detach()


EXPORTERS = {"jsonl": export_jsonl, "csv": export_csv}
