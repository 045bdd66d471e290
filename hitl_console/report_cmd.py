"""``hitl-console report``: the outcome table per handling path and the per-supervisor table."""

from __future__ import annotations

import json
import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hitl_console.paths import SESSION_LOG, default_db
from hitl_console.store.queries import open_log, parse_time
from hitl_console.store.report import MIN_RATED, Report, Scope, build_report

# A header may take two lines ("top\nbottom"); neighbours with the same top line share it (a spanning label).
PATH_COLUMNS = [
    "handling path",
    "chats",
    "rating\n[95% CI]",
    "vs AI only\n[95% CI]",
    "rated",
    "mean\nduration",
    "median\nwait",
    "abandoned",
    "human msgs\n/ takeover",
]
SUPERVISOR_COLUMNS = [
    "supervisor",
    "takeovers\nall",
    "takeovers\nproactive",
    "takeovers\nescalation",
    "reply latency\nmedian",
    "reply latency\nmean",
    "human\nmsgs",
    "mean\nload",
    "peak\nload",
]
WIDTH = 80  # the table's width when the output is not a terminal
SIM = "(sim)"  # after a simulated supervisor's name
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


def _sup_label(name: str, session: int | None, many: bool) -> str:
    """A person's name as it is; a simulated supervisor's marked, with its session when there are several."""
    if session is None:
        return name
    return f"{name} {SIM[:-1]}, s{session})" if many else f"{name} {SIM}"


def _when(t: float | None) -> str:
    return "?" if t is None else datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")


def _span(a: float | None, b: float | None) -> str:
    """``2026-01-01 09:30 to 11:05 UTC`` (the date again only when it changes)."""
    start, end = _when(a), _when(b)
    if start[:10] == end[:10]:
        end = end[11:]
    return f"{start} to {end} UTC"


def _ids(ids: list[int]) -> str:
    """Session numbers with runs shortened: 1-4, 7."""
    parts: list[str] = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}" if j > i + 1 else f"{ids[i]}, {ids[j]}")
        i = j + 1
    return ", ".join(parts)


def scope_lines(report: Report) -> list[str]:
    """What the report covers: the sessions (their source and who supervised, as the log records them),
    the time span of their chats, and a warning when sessions of different sources or policies are pooled."""
    ss = report.sessions
    if not ss:
        if report.scope.include_rehearsals:
            return ["Scope: no sessions with chats in scope"]
        return ["Scope: no sessions with chats in scope (trainee rehearsals are left out of the tables:",
                "  --include-rehearsals counts them)"]
    firsts = [x.first_at for x in ss if x.first_at is not None]
    lasts = [x.last_at for x in ss if x.last_at is not None]
    span = f", chats {_span(min(firsts), max(lasts))}" if firsts and lasts else ""
    if len(ss) == 1:
        x = ss[0]
        return [f"Scope: session {x.id} ({x.source}; {x.kind}){span}"]
    groups: dict[str, list[int]] = {}
    for x in ss:
        groups.setdefault(f"{x.source}; {x.kind}", []).append(x.id)
    lines = [f"Scope: {len(ss)} sessions{span}"]
    for what, ids in groups.items():
        lines.append(f"  session{'s' if len(ids) > 1 else ''} {_ids(ids)}: {what}")
    if report.mixed:
        sources = len({x.policy_key[0] for x in ss}) > 1
        policies = len({x.policy_key[1] for x in ss}) > 1
        differ = " and ".join(w for w, on in (("source", sources), ("supervisor policy", policies)) if on)
        lines.append(f"Warning: these sessions differ in {differ}; their chats are pooled below."
                     " One session: --session ID.")
    return lines


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
            str(p.rated),
            _secs(p.mean_duration_s),
            _secs(p.median_wait_s),
            _f(None if p.abandoned_share is None else p.abandoned_share * 100, "{:.1f}%"),
            _f(p.human_messages_per_takeover),
        ]
        for p in report.paths
    ]
    many = len(report.sessions) > 1
    sups = [
        [
            _sup_label(s.supervisor, s.session if s.simulated else None, many),
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
    sim_note = (
        f"{SIM}: a simulated supervisor, one row per session" + (" (sN: session N)" if many else "")
        + "; the others are people, counted across sessions."
        if any(s.simulated for s in report.supervisors)
        else ""
    )
    out: list[Table] = [
        (f"Outcomes by handling path ({report.chats} closed chats{_scope_note(report)})", PATH_COLUMNS, paths, note),
        ("Supervisors", SUPERVISOR_COLUMNS, sups, sim_note),
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
    lines: list[str] = [_clean(x) for line in scope_lines(report) for x in _wrap(line, width)] + [""]
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
            if note and (n == len(blocks) - 1 or (TOO_FEW in note and any(TOO_FEW in r[i] for r in shown for i in cols))):
                lines += ["", *textwrap.wrap(note, width=max(width, 40))]  # under the figures it explains
                note = ""
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _wrap(line: str, width: int) -> list[str]:
    """A scope line folded to ``width``, continued lines indented under it."""
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.wrap(line, width=max(width, 40), subsequent_indent=indent, break_on_hyphens=False) or [""]


def format_markdown(report: Report) -> str:
    lines: list[str] = []
    listing = False
    for line in scope_lines(report):  # the session groups as a list, set off by blank lines
        item = line.startswith("  ")
        if item != listing:
            lines.append("")
            listing = item
        lines.append(("- " + _clean(line.strip())) if item else _clean(line))
    lines.append("")
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
    type=SESSION_LOG,
    default=None,
    help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.",
)
@click.option("--session", "session_id", type=int, default=None,
              help="Only this session (the scope line above the tables lists the sessions a report covers).")
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
