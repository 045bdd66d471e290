"""The sessions a report covers, as the log records them: their source, who supervised, and which
supervisors were simulated (the session config's record, or inferred for older logs)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from hitl_console.store.scope import Scope

SIMULATED_KEY = "simulated_supervisors"  # in a session's config: {"policy", "names", "grace_s"} of its bots
POLICIES = ("reactive", "proactive", "none")  # a session's supervisor column when only simulated ones ran it


@dataclass(slots=True)
class SessionInfo:
    """A session in the report's scope, as the log records it."""

    id: int
    source: str
    supervisor: str | None  # the sessions table's: a person's name, or the simulated supervisors' policy
    started_at: float | None
    ended_at: float | None
    chats: int  # chats in scope (open or closed)
    first_at: float | None  # the first chat in scope opened
    last_at: float | None  # the last one closed (or opened, if still open)
    policy: str | None  # the simulated supervisors' policy (None: none ran, or the log does not say)
    recorded: list[str] | None  # the simulated supervisors' names as the session's config records them
    simulated: list[str] = field(default_factory=list)  # simulated supervisors with takeovers in scope

    @property
    def person(self) -> str | None:
        """The console's human, when a person ran the session (not only simulated supervisors)."""
        return None if self.supervisor in POLICIES else self.supervisor

    def is_simulated(self, name: str) -> bool:
        """Whether ``name`` is a simulated supervisor of this session: by the config's record (logs since
        it was added); in older logs every supervisor of a session run by a policy, and on a console
        floor everyone but the console's human (the others were its simulated colleagues)."""
        if self.recorded is not None:
            return name in self.recorded
        if self.person is None:
            return True
        return self.source == "console" and name != self.person

    @property
    def kind(self) -> str:
        """Who supervised, in words: the policy of simulated supervisors, or the person (and colleagues)."""
        if self.person is None:
            return f"simulated supervisors ({self.policy or self.supervisor})"
        n = len(self.recorded) if self.recorded is not None else len(self.simulated)
        if not n:
            return str(self.person)
        policy = f", {self.policy}" if self.policy else ""
        return f"{self.person} with {n} simulated colleague{'s' if n != 1 else ''}{policy}"

    @property
    def policy_key(self) -> tuple[str, str]:
        """What makes two sessions' figures comparable: the source and who supervised (the person's name
        aside)."""
        if self.person is None:
            return self.source, f"simulated {self.policy or self.supervisor}"
        colleagues = self.policy or ("simulated" if self.simulated else "")
        return self.source, f"person+{colleagues}" if colleagues else "person"


def sessions_in_scope(conn: sqlite3.Connection, scope: Scope) -> list[SessionInfo]:
    """The sessions with chats in scope (and the session asked for, even without chats), as logged."""
    cw, params = scope.any_chat_where("c")
    rows = conn.execute(
        f"""SELECT s.id, s.source, s.supervisor, s.started_at, s.ended_at, s.config, x.n, x.first_at, x.last_at
            FROM sessions s LEFT JOIN (
                SELECT c.session_id AS sid, count(*) AS n, min(c.opened_at) AS first_at,
                       max(coalesce(c.closed_at, c.opened_at)) AS last_at
                FROM chats c{cw} GROUP BY c.session_id) x ON x.sid = s.id
            WHERE x.n IS NOT NULL OR s.id = ? ORDER BY s.id""",
        [*params, scope.session_id],
    ).fetchall()
    out = []
    for sid, source, sup, started, ended, config, n, first, last in rows:
        try:
            cfg = json.loads(config) if config else {}
        except ValueError:
            cfg = {}
        sim = cfg.get(SIMULATED_KEY) if isinstance(cfg, dict) else None
        sim = sim if isinstance(sim, dict) else {}
        names = sim.get("names")
        policy = sim.get("policy") or (sup if sup in POLICIES else None)
        out.append(
            SessionInfo(
                id=int(sid), source=str(source or "?"), supervisor=sup, started_at=started, ended_at=ended,
                chats=int(n or 0), first_at=first, last_at=last, policy=None if policy is None else str(policy),
                recorded=[str(x) for x in names] if isinstance(names, list) else None,
            )
        )
    return out
