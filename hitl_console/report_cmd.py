"""``hitl-console report``: the outcome table per handling path and the per-supervisor table."""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hitl_console.paths import default_db
from hitl_console.store.queries import open_log, parse_time
from hitl_console.store.report import MIN_RATED, Report, Scope, build_report

# A header may take two lines ("top\nbottom"); neighbours with the same top line share it (a spanning label).
PATH_COLUMNS = [
    "handling path",
    "chats",
    "rating\n[95% CI]",
    "vs AI only\n[95% CI]",
    "mean\nduration",
    "median\nwait",
    "abandoned",
    "human msgs\nper takeover",
]
SUPERVISOR_COLUMNS = [
    "supervisor",
    "takeovers",
    "proactive",
    "escalation",
    "reply latency\nmedian",
    "reply latency\nmean",
    "human\nmsgs",
    "mean\nload",
    "peak\nload",
]
WIDTH = 80  # the table's width when the output is not a terminal
TOO_FEW = "(too few)"  # after a figure that rests on fewer than MIN_RATED ratings, in every column that has one


def _f(v: float | None, fmt: str = "{:.2f}", none: str = "-") -> str:
    return none if v is None else fmt.format(v)


def _ci(v: float | None, ci: tuple[float, float] | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    s = f"{v:+.2f}" if signed else f"{v:.2f}"
    return s + (f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if signed else f" [{ci[0]:.2f}, {ci[1]:.2f}]") if ci else s


def _secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}s" if v >= 10 else f"{v:.1f}s"


def _too_few(v: float | None, signed: bool = False) -> str:
    """A figure on too few ratings: the value alone (its interval says nothing yet) and the mark."""
    return "-" if v is None else (f"{v:+.2f}" if signed else f"{v:.2f}") + " " + TOO_FEW


def _scope_note(report: Report) -> str:
    return ", rehearsals included" if report.scope.include_rehearsals else ""


Table = tuple[str, list[str], list[list[str]], str]  # title, header, rows, a note below ("" for none)


def tables(report: Report) -> list[Table]:
    """The report as titled text tables. A rating resting on fewer than MIN_RATED ratings, and a
    difference from AI only when either side does, is shown as the figure and "(too few)"."""
    base_too_few = any(p.too_few for p in report.paths if p.path == "ai_only")
    paths = [
        [
            p.label,
            str(p.chats),
            _too_few(p.mean_rating) if p.too_few else _ci(p.mean_rating, p.rating_ci95_clipped),
            _too_few(p.diff_vs_ai_only, signed=True)
            if p.too_few or base_too_few
            else _ci(p.diff_vs_ai_only, p.diff_ci95_clipped, signed=True),
            _secs(p.mean_duration_s),
            _secs(p.median_wait_s),
            _f(None if p.abandoned_share is None else p.abandoned_share * 100, "{:.1f}%"),
            _f(p.human_messages_per_takeover),
        ]
        for p in report.paths
    ]
    sups = [
        [
            s.supervisor,
            str(s.takeovers),
            str(s.proactive),
            str(s.escalation),
            _secs(s.median_reply_latency_s),
            _secs(s.mean_reply_latency_s),
            str(s.human_messages),
            _f(s.mean_load),
            str(s.peak_load),
        ]
        for s in report.supervisors
    ]
    marked = any(TOO_FEW in c for r in paths for c in r)
    note = (
        f"{TOO_FEW}: fewer than {MIN_RATED} ratings behind the figure (the path's own, or AI only's for the"
        " difference); no interval is shown."
        if marked
        else ""
    )
    out: list[Table] = [
        (f"Outcomes by handling path ({report.chats} closed chats{_scope_note(report)})", PATH_COLUMNS, paths, note),
        ("Supervisors", SUPERVISOR_COLUMNS, sups, ""),
    ]
    for sec in report.sections.values():
        out.append((sec.title, sec.columns, [["-" if v is None else str(v) for v in r] for r in sec.rows], ""))
    return out


def _clean(s: str) -> str:
    return "".join(c if c.isprintable() else " " for c in s)


def _header_lines(header: list[str]) -> tuple[list[str], list[str]]:
    """The header's top and bottom lines per column (a one-line header has an empty top)."""
    tops, bottoms = [], []
    for h in header:
        top, _, bottom = h.rpartition("\n")
        tops.append(top)
        bottoms.append(bottom)
    return tops, bottoms


def _units(tops: list[str]) -> list[list[int]]:
    """Columns 1.. grouped so that columns sharing a top line stay together."""
    units: list[list[int]] = []
    for i in range(1, len(tops)):
        if units and tops[i] and tops[i] == tops[units[-1][-1]]:
            units[-1].append(i)
        else:
            units.append([i])
    return units


def _blocks(widths: list[int], units: list[list[int]], width: int) -> list[list[int]]:
    """Column indexes per printed block: the first column, then as many further columns as fit ``width``."""
    blocks: list[list[int]] = []
    used = 0
    for unit in units:
        extra = sum(widths[i] + 2 for i in unit)
        if blocks and used + extra <= width:
            blocks[-1] += unit
            used += extra
        else:
            blocks.append([0, *unit])
            used = widths[0] + extra
    return blocks or [[0]]


def _block_lines(cols: list[int], tops: list[str], bottoms: list[str], widths: list[int],
                 rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in zip(cols, cells, strict=True)
        ).rstrip()

    out = []
    if any(tops[i] for i in cols):
        parts: list[str] = []
        k = 0
        while k < len(cols):  # a top line spans the neighbours that share it
            j = k
            while j + 1 < len(cols) and tops[cols[j + 1]] and tops[cols[j + 1]] == tops[cols[k]]:
                j += 1
            span = sum(widths[i] for i in cols[k : j + 1]) + 2 * (j - k)
            parts.append(tops[cols[k]].ljust(span) if cols[k] == 0 else tops[cols[k]].rjust(span))
            k = j + 1
        out.append("  ".join(parts).rstrip())
    out.append(line([bottoms[i] for i in cols]))
    out.append("  ".join("-" * widths[i] for i in cols))
    for r in rows:
        out.append(line([r[i] for i in cols]))
    return out


def format_table(report: Report, width: int = WIDTH) -> str:
    """Text tables for people. A table wider than ``width`` continues below in blocks of columns, each
    with the first column (the path, the supervisor) again."""
    lines: list[str] = []
    for title, header, rows, note in tables(report):
        rows = [[_clean(c) for c in r] for r in rows]
        tops, bottoms = _header_lines(header)
        widths = [max(len(b), *(len(r[i]) for r in rows)) if rows else len(b) for i, b in enumerate(bottoms)]
        units = _units(tops)
        for unit in units:  # a shared top line gets the room it needs
            short = len(tops[unit[0]]) - (sum(widths[i] for i in unit) + 2 * (len(unit) - 1))
            if short > 0:
                widths[unit[-1]] += short
        widths[0] = max(widths[0], len(tops[0]))
        shown = rows or [["(none)"] + [""] * (len(header) - 1)]
        if not rows:
            widths[0] = max(widths[0], len("(none)"))
        lines.append(title)
        blocks = _blocks(widths, units, width)
        for n, cols in enumerate(blocks):
            if n:
                lines.append("")
            lines += _block_lines(cols, tops, bottoms, widths, shown)
            if note and (n == len(blocks) - 1 or any(TOO_FEW in r[i] for r in shown for i in cols)):
                lines += ["", *textwrap.wrap(note, width=max(width, 40))]  # under the figures it explains
                note = ""
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def format_markdown(report: Report) -> str:
    lines: list[str] = []
    for title, header, rows, note in tables(report):
        lines += [
            f"### {title}",
            "",
            "| " + " | ".join(h.replace("\n", " ") for h in header) + " |",
            "|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(header))) + "|",
        ]
        for r in rows:
            lines.append("| " + " | ".join(_clean(c).replace("|", "\\|") for c in r) + " |")
        lines.append("")
        if note:
            lines += [note, ""]
    return "\n".join(lines)


@click.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.",
)
@click.option("--session", "session_id", type=int, default=None, help="Only this session.")
@click.option(
    "--since",
    default=None,
    help="Only chats opened at or after this ISO date/time (UTC unless it has an offset).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="table for people, json for machines (documented shape), markdown for notes.",
)
@click.option(
    "--include-rehearsals",
    is_flag=True,
    help="Count rehearsal sessions in the outcome and supervisor tables (by default only their own section).",
)
def report(db: Path | None, session_id: int | None, since: str | None, fmt: str, include_rehearsals: bool) -> None:
    """The outcome table per handling path (rating with 95% intervals, difference from AI only, duration,
    wait, abandonment, human messages) and per supervisor (takeovers, reply latency, load). Intervals are
    shown clipped to the rating scale; a rating or difference resting on fewer than 5 ratings is shown
    without interval and marked "(too few)". Rehearsal sessions are left out of both tables (they have their
    own section) unless --include-rehearsals. The table fits the terminal (80 columns when the output is not
    one): wider tables continue below, the first column repeated."""
    db_path = db or default_db()
    scope = Scope(
        session_id=session_id,
        since=parse_time(since) if since else None,
        include_rehearsals=include_rehearsals,
    )
    conn = open_log(db_path)
    try:
        rep = build_report(conn, scope, where=str(db_path))
    finally:
        conn.close()
    if fmt == "json":
        doc: dict[str, Any] = rep.to_json(str(db_path))
        if since:
            doc["scope"]["since_iso"] = datetime.fromtimestamp(scope.since or 0.0, UTC).isoformat()
        click.echo(json.dumps(doc, indent=2))
    elif fmt == "markdown":
        click.echo(format_markdown(rep), nl=False)
    else:
        click.echo(format_table(rep, shutil.get_terminal_size((WIDTH, 24)).columns), nl=False)
