"""``hitl-console report``: the outcome table per handling path and the per-supervisor table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from hitl_console.paths import default_db
from hitl_console.store.queries import open_log, parse_time
from hitl_console.store.report import Report, Scope, build_report

PATH_COLUMNS = [
    "handling path",
    "chats",
    "rating [95% CI]",
    "vs AI only [95% CI]",
    "duration",
    "median wait",
    "abandoned",
    "human msgs/takeover",
]
SUPERVISOR_COLUMNS = [
    "supervisor",
    "takeovers",
    "proactive",
    "escalation",
    "reply latency (median)",
    "reply latency (mean)",
    "human msgs",
    "mean load",
    "peak load",
]


def _f(v: float | None, fmt: str = "{:.2f}", none: str = "-") -> str:
    return none if v is None else fmt.format(v)


def _ci(v: float | None, ci: tuple[float, float] | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    s = f"{v:+.2f}" if signed else f"{v:.2f}"
    return s + (f" [{ci[0]:+.2f}, {ci[1]:+.2f}]" if signed else f" [{ci[0]:.2f}, {ci[1]:.2f}]") if ci else s


def _secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}s" if v >= 10 else f"{v:.1f}s"


def _scope_note(report: Report) -> str:
    return ", rehearsals included" if report.scope.include_rehearsals else ""


def tables(report: Report) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as titled text tables (title, header, rows)."""
    paths = [
        [
            p.label,
            str(p.chats),
            ("too few: " if p.too_few else "") + _ci(p.mean_rating, p.rating_ci95_clipped),
            _ci(p.diff_vs_ai_only, p.diff_ci95_clipped, signed=True),
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
    out = [
        (f"Outcomes by handling path ({report.chats} closed chats{_scope_note(report)})", PATH_COLUMNS, paths),
        ("Supervisors", SUPERVISOR_COLUMNS, sups),
    ]
    for sec in report.sections.values():
        out.append((sec.title, sec.columns, [["-" if v is None else str(v) for v in r] for r in sec.rows]))
    return out


def _clean(s: str) -> str:
    return "".join(c if c.isprintable() else " " for c in s)


def format_table(report: Report) -> str:
    lines: list[str] = []
    for title, header, rows in tables(report):
        rows = [[_clean(c) for c in r] for r in rows]
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        lines.append(title)
        lines.append(
            "  ".join(
                h.ljust(w) if i == 0 else h.rjust(w)
                for i, (h, w) in enumerate(zip(header, widths, strict=True))
            )
        )
        lines.append("  ".join("-" * w for w in widths))
        for r in rows or [["(none)"] + [""] * (len(header) - 1)]:
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                )
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def format_markdown(report: Report) -> str:
    lines: list[str] = []
    for title, header, rows in tables(report):
        lines += [
            f"### {title}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join(" --- " if i == 0 else " ---: " for i in range(len(header))) + "|",
        ]
        for r in rows:
            lines.append("| " + " | ".join(_clean(c).replace("|", "\\|") for c in r) + " |")
        lines.append("")
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
    shown clipped to the rating scale; "too few" marks a path with fewer than 5 ratings. Rehearsal sessions
    are left out of both tables (they have their own section) unless --include-rehearsals."""
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
        click.echo(format_table(rep), nl=False)
