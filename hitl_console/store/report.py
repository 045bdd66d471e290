"""The paper-style outcome report: one row per handling path, then one row per supervisor.

Closed chats that ended without an outcome (their close event has an ``ending``: lost in a platform
restart, still open when a rehearsal ended) are left out of both tables and counted in a section of their
own. The handling path of a closed chat is decided by its FIRST takeover: none -> ``ai_only`` (or
``unattended`` when a trigger fired and nobody came), kind ``proactive`` -> ``proactive``, otherwise
``after_<trigger>``. Ratings are compared with AI-only chats by Welch's t interval (95%).

Extension: add a function to :data:`SECTIONS`; it gets the connection and the :class:`Scope` and returns a
:class:`Section` (or ``None`` when its data is not in the log). Sections appear below the tables and under
``"sections"`` in the JSON form (e.g. agent token usage, rehearsal results).
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from hitl_console.errors import InputError, StoreError
from hitl_console.store.queries import explain
from hitl_console.store.scope import Scope
from hitl_console.store.sessions import SessionInfo, sessions_in_scope
from hitl_console.store.stats import clip, mean_ci, welch_diff

REPORT_VERSION = 1
MIN_RATED = 5  # fewer rated chats than this: the row is marked too few to judge
RATING_SCALE = (1.0, 5.0)

PATHS: dict[str, str] = {
    "ai_only": "AI only",
    "after_technical": "human after technical escalation",
    "after_emotional": "human after emotional escalation",
    "after_customer_request": "human after customer request",
    "after_ineligible": "human after ineligible routing",
    "proactive": "proactive takeover",
    "unattended": "trigger fired, nobody came",
}


@dataclass(frozen=True, slots=True)
class PathRow:
    path: str
    label: str
    chats: int
    rated: int
    mean_rating: float | None
    rating_ci95: tuple[float, float] | None  # raw t interval (may leave the 1-5 scale on few ratings)
    diff_vs_ai_only: float | None
    diff_ci95: tuple[float, float] | None  # raw Welch interval
    mean_duration_s: float | None
    median_wait_s: float | None
    abandoned_share: float | None
    takeovers: int
    human_messages_per_takeover: float | None
    rating_ci95_clipped: tuple[float, float] | None = None  # clipped to the rating scale [1, 5]
    diff_ci95_clipped: tuple[float, float] | None = None  # clipped to [-4, 4]
    too_few: bool = False  # rated chats below MIN_RATED: too few to judge


@dataclass(frozen=True, slots=True)
class SupervisorRow:
    supervisor: str
    takeovers: int
    proactive: int
    escalation: int
    median_reply_latency_s: float | None
    mean_reply_latency_s: float | None
    human_messages: int
    held_s: float
    mean_load: float | None  # chats held at once, on average over the session's active time
    peak_load: int
    simulated: bool = False  # a simulated supervisor (a bot): one row per session, as bots are per session
    session: int | None = None  # the session of a simulated supervisor; None for a person (all sessions)


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(slots=True)
class Report:
    scope: Scope
    chats: int
    paths: list[PathRow]
    supervisors: list[SupervisorRow]
    sections: dict[str, Section] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)  # closed chats without an outcome, by ending
    sessions: list[SessionInfo] = field(default_factory=list)  # the sessions with chats in scope

    @property
    def mixed(self) -> bool:
        """The scope pools sessions of different sources or supervisor policies."""
        return len({s.policy_key for s in self.sessions}) > 1

    def to_json(self, db: str | None = None) -> dict[str, Any]:
        """The documented machine form (see the README's report section)."""
        return {
            "report": "hitl-console outcomes",
            "version": REPORT_VERSION,
            "scope": {
                "db": db,
                "session": self.scope.session_id,
                "since": self.scope.since,
                "include_rehearsals": self.scope.include_rehearsals,
                "sessions": [
                    {
                        "id": x.id, "source": x.source, "supervisor": x.supervisor, "policy": x.policy,
                        "simulated_supervisors": sorted(set(x.recorded or []) | set(x.simulated)),
                        "started_at": x.started_at, "ended_at": x.ended_at, "chats": x.chats,
                        "first_at": x.first_at, "last_at": x.last_at,
                    }
                    for x in self.sessions
                ],
                "mixed": self.mixed,
            },
            "chats": self.chats,
            "left_out": dict(self.left_out),
            "paths": [_plain(asdict(p)) for p in self.paths],
            "supervisors": [_plain(asdict(s)) for s in self.supervisors],
            "sections": {k: asdict(s) for k, s in self.sections.items()},
        }


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


SectionFn = Callable[[sqlite3.Connection, Scope], Section | None]


def _rehearsals(conn: sqlite3.Connection, scope: Scope) -> Section | None:
    from hitl_console.store.rehearsals import rehearsal_section  # trainee rehearsals, when logged

    section: Section | None = rehearsal_section(conn, scope)
    return section


def _agent_usage(conn: sqlite3.Connection, scope: Scope) -> Section | None:
    """AI replies per agent with their token usage and latency, for agents that report them (else None)."""
    cols = {r[1] for r in conn.execute("PRAGMA table_info(messages)")}
    if not {"input_tokens", "output_tokens", "latency_s"} <= cols:
        return None
    where = ["role = 'ai'", "(input_tokens IS NOT NULL OR latency_s IS NOT NULL)"]
    params: list[Any] = []
    if scope.session_id is not None:
        where.append("session_id = ?")
        params.append(scope.session_id)
    if scope.since is not None:
        where.append("at >= ?")
        params.append(scope.since)
    rows = conn.execute(
        "SELECT coalesce(author, '?'), count(*), sum(input_tokens), sum(output_tokens), avg(latency_s),"
        f" max(latency_s) FROM messages WHERE {' AND '.join(where)} GROUP BY 1 ORDER BY 1",
        params,
    ).fetchall()
    if not rows:
        return None
    return Section(
        "Agent usage",
        ["agent", "replies", "input tokens", "output tokens", "mean latency (s)", "max latency (s)"],
        [
            [a, n, i, o, None if m is None else round(m, 2), None if x is None else round(x, 2)]
            for a, n, i, o, m, x in rows
        ],
    )


def _still_open(conn: sqlite3.Connection, scope: Scope) -> Section | None:
    """Chats still live at the end of the log (not in the outcomes: they have no ending), by their
    last status (a held chat by who holds it: a person or a simulated supervisor), with how many had an
    open takeover; None when every chat closed."""
    cw, params = scope.open_chat_where("c")
    rows = conn.execute(
        f"""SELECT c.session_id, c.status,
                   (SELECT t.supervisor FROM takeovers t WHERE t.session_id = c.session_id
                    AND t.chat_id = c.chat_id AND t.ended_at IS NULL ORDER BY t.takeover_id DESC LIMIT 1)
            FROM chats c{cw}""",
        params,
    ).fetchall()
    if not rows:
        return None
    info = {x.id: x for x in sessions_in_scope(conn, scope)}
    label = {"ai": "with the AI", "escalated": "waiting for a human (escalated)", "human": "held by a human"}
    counts: dict[str, list[int]] = {}
    for sid, st, holder in rows:
        name = label.get(st, st)
        if st == "human" and holder is not None and sid in info and info[sid].is_simulated(holder):
            name = "held by a simulated supervisor"
        c = counts.setdefault(name, [0, 0])
        c[0] += 1
        c[1] += holder is not None
    order = [*label.values(), "held by a simulated supervisor"]
    return Section(
        "Chats still open at the end of the log (not in the outcomes above)",
        ["status", "chats", "open takeovers"],
        [[k, *counts[k]] for k in sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))],
    )


SECTIONS: dict[str, SectionFn] = {"rehearsals": _rehearsals, "agent_usage": _agent_usage, "still_open": _still_open}


# -- the report -----------------------------------------------------------------------------------

_PER_CHAT = """
WITH first AS (
    SELECT session_id, chat_id, min(takeover_id) AS first_id, kind, trigger, wait_s,
           count(*) AS n_takeovers, sum(human_messages) AS human
    FROM takeovers {tw} GROUP BY session_id, chat_id
)
SELECT f.kind, f.trigger, c.first_trigger, c.rating, c.duration_s, c.abandoned, f.wait_s, f.n_takeovers, f.human,
       CASE WHEN c.resolved_by IS NULL THEN (
           SELECT json_extract(e.data, '$.ending') FROM events e
           WHERE e.session_id = c.session_id AND e.chat_id = c.chat_id AND e.type = 'chat.closed'
           ORDER BY e.seq DESC LIMIT 1) END
FROM chats c LEFT JOIN first f ON f.session_id = c.session_id AND f.chat_id = c.chat_id
{cw}
"""
ENDINGS: dict[str, str] = {
    "platform_restarted": "lost in a platform restart",
    "rehearsal_ended": "still open when a rehearsal ended",
}


def chat_path(kind: str | None, trigger: str | None, first_trigger: str | None) -> str:
    """The handling path of a chat from its first takeover (kind, trigger) and its first trigger."""
    if kind is None:
        return "unattended" if first_trigger else "ai_only"
    if kind == "proactive":
        return "proactive"
    return f"after_{trigger}"


@dataclass(slots=True)
class _Acc:
    chats: int = 0
    ratings: list[int] = field(default_factory=list)
    duration: float = 0.0
    durations: int = 0
    abandoned: int = 0
    waits: list[float] = field(default_factory=list)
    takeovers: int = 0
    human: int = 0


def build_report(conn: sqlite3.Connection, scope: Scope, *, where: str = "log") -> Report:
    """Compute the outcome report over ``scope``."""
    try:
        if scope.session_id is not None:
            found = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (scope.session_id,)).fetchone()
            if found is None:
                raise InputError(f"session log {where}: no session {scope.session_id}")
        cw, cparams = scope.chat_where()
        tw = " WHERE session_id = ?" if scope.session_id is not None else ""
        tparams: list[Any] = [scope.session_id] if scope.session_id is not None else []
        acc: dict[str, _Acc] = defaultdict(_Acc)
        left_out: dict[str, list[int]] = {}  # ending -> [chats, of which a human held]
        for kind, trig, first_trig, rating, dur, abandoned, wait, n_tk, human, ending in conn.execute(
            _PER_CHAT.format(tw=tw, cw=cw), [*tparams, *cparams]
        ):
            if ending is not None:  # no outcome (e.g. lost in a platform restart): not a customer's doing
                counts = left_out.setdefault(str(ending), [0, 0])
                counts[0] += 1
                counts[1] += 1 if kind is not None else 0
                continue
            a = acc[chat_path(kind, trig, first_trig)]
            a.chats += 1
            if rating is not None:
                a.ratings.append(int(rating))
            if dur is not None:
                a.duration += dur
                a.durations += 1
            a.abandoned += 1 if abandoned else 0
            if wait is not None:
                a.waits.append(float(wait))
            a.takeovers += n_tk or 0
            a.human += human or 0
        sessions = sessions_in_scope(conn, scope)
        supervisors = _supervisors(conn, scope, {x.id: x for x in sessions})
        sections = {}
        if left_out:
            sections["left_out"] = Section(
                f"Chats closed without an outcome ({sum(n for n, _ in left_out.values())}, left out of the"
                " outcomes above)",
                ["ending", "chats", "taken over"],
                [[ENDINGS.get(e, e), n, tk] for e, (n, tk) in sorted(left_out.items())],
            )
        for name, fn in SECTIONS.items():
            sec = fn(conn, scope)
            if sec is not None:
                sections[name] = sec
    except sqlite3.Error as e:
        raise StoreError(f"session log {where}: {explain(e)}") from None
    base = acc["ai_only"].ratings if "ai_only" in acc else []
    order = list(PATHS) + sorted(p for p in acc if p not in PATHS)
    rows = [_path_row(p, acc.get(p, _Acc()), base) for p in order]
    return Report(
        scope, sum(a.chats for a in acc.values()), rows, supervisors, sections,
        left_out={e: n for e, (n, _) in sorted(left_out.items())}, sessions=sessions,
    )


def _path_row(path: str, a: _Acc, base: list[int]) -> PathRow:
    mean, ci = mean_ci(a.ratings)
    diff, dci = (None, None) if path == "ai_only" else welch_diff(a.ratings, base)
    lo, hi = RATING_SCALE
    return PathRow(
        path=path,
        label=PATHS.get(path, path.replace("_", " ")),
        chats=a.chats,
        rated=len(a.ratings),
        mean_rating=mean,
        rating_ci95=ci,
        diff_vs_ai_only=diff,
        diff_ci95=dci,
        mean_duration_s=a.duration / a.durations if a.durations else None,
        median_wait_s=statistics.median(a.waits) if a.waits else None,
        abandoned_share=a.abandoned / a.chats if a.chats else None,
        takeovers=a.takeovers,
        human_messages_per_takeover=a.human / a.takeovers if a.takeovers else None,
        rating_ci95_clipped=clip(ci, lo, hi),
        diff_ci95_clipped=clip(dci, lo - hi, hi - lo),
        too_few=0 < len(a.ratings) < MIN_RATED,
    )


def _supervisors(
    conn: sqlite3.Connection, scope: Scope, sessions: dict[int, SessionInfo] | None = None
) -> list[SupervisorRow]:
    """One row per person (across sessions) and per simulated supervisor and session (a bot of one
    session is not the same-named bot of another). A takeover still open counts as held until its
    session ended, or, for a session still running, until the session's last logged event."""
    sessions = sessions or {}
    tw, params = scope.takeover_where()
    rows = conn.execute(
        "SELECT t.session_id, t.supervisor, t.kind, t.reply_latency_s, t.human_messages, t.taken_at,"
        f" coalesce(t.ended_at, s.ended_at) FROM takeovers t LEFT JOIN sessions s ON s.id = t.session_id{tw}",
        params,
    ).fetchall()
    running = {r[0] for r in rows if r[6] is None}
    log_end = {
        sid: conn.execute("SELECT max(at) FROM events WHERE session_id = ?", (sid,)).fetchone()[0]
        for sid in running
    }
    # the active window of each session: first takeover to last end, across all supervisors
    window: dict[int, tuple[float, float]] = {}
    by_sup: dict[tuple[str, int | None], list[tuple[Any, ...]]] = defaultdict(list)
    for r in rows:
        sid, start, end = r[0], r[5], r[6]
        if end is None and start is not None:
            end = max(start, log_end.get(sid) or start)
            r = (*r[:6], end)
        if start is not None and end is not None:
            lo, hi = window.get(sid, (start, end))
            window[sid] = (min(lo, start), max(hi, end))
        name = r[1] or "?"
        info = sessions.get(sid)
        simulated = info is not None and info.is_simulated(name)
        if simulated and info is not None and name not in info.simulated:
            info.simulated.append(name)
        by_sup[(name, sid if simulated else None)].append(r)
    out = []
    for sup, sid in sorted(by_sup, key=lambda k: (k[1] is not None, k[1] or 0, k[0])):
        rs = by_sup[(sup, sid)]
        lat = [float(r[3]) for r in rs if r[3] is not None]
        spans = [(r[0], r[5], r[6]) for r in rs if r[5] is not None and r[6] is not None]
        held = sum(e - s for _, s, e in spans)
        active = sum(window[k][1] - window[k][0] for k in {k for k, _, _ in spans})
        out.append(
            SupervisorRow(
                supervisor=sup,
                takeovers=len(rs),
                proactive=sum(1 for r in rs if r[2] == "proactive"),
                escalation=sum(1 for r in rs if r[2] == "escalation"),
                median_reply_latency_s=statistics.median(lat) if lat else None,
                mean_reply_latency_s=statistics.fmean(lat) if lat else None,
                human_messages=sum(int(r[4] or 0) for r in rs),
                held_s=held,
                mean_load=held / active if active > 0 else None,
                peak_load=_peak(spans),
                simulated=sid is not None,
                session=sid,
            )
        )
    return out


def _peak(spans: list[tuple[int, float, float]]) -> int:
    """The most chats held at once (per session)."""
    marks = sorted([(sid, s, 1) for sid, s, _ in spans] + [(sid, e, -1) for sid, _, e in spans])
    peak = cur = 0
    last_sid: int | None = None
    for sid, _, step in marks:
        if sid != last_sid:
            cur, last_sid = 0, sid
        cur += step
        peak = max(peak, cur)
    return peak
