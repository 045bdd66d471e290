"""Writing trainee rehearsal results to the session log's ``rehearsals`` table."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from hitl_console.errors import StoreError
from hitl_console.store.writer import Store

_INSERT = (
    "INSERT INTO rehearsals (session_id, scenario_file, scenario_title, difficulty, trainee, mode, actions_file,"
    " started_at, ended_at, score, timing_points, latency_points, elements_points, ending_points,"
    " penalty_points, max_points, timing_outcomes, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PARTS = ("timing", "latency", "elements", "ending")


def record_rehearsal(
    store: Store,
    result: dict[str, Any],
    *,
    mode: str,
    actions_file: str | None,
    started_at: float,
    ended_at: float,
) -> int:
    """Store one scored rehearsal in the store's current session; committed on return. Returns its id."""
    b = result["breakdown"]
    points = [b[k]["points"] if k in b else None for k in PARTS]
    maximum = sum(b[k]["max"] for k in PARTS if k in b)
    row = (
        store.session_id,
        result["file"],
        result["scenario"],
        result["difficulty"],
        result["trainee"],
        mode,
        actions_file,
        started_at,
        ended_at,
        int(result["score"]),
        *points,
        b.get("penalties", 0.0),
        maximum,
        json.dumps(b.get("timing_outcomes", {}), sort_keys=True),
        json.dumps(result, sort_keys=True),
    )
    try:
        cur = store.db.execute(_INSERT, row)
    except sqlite3.Error as e:
        raise StoreError(f"session log {store.path}: cannot record the rehearsal ({e})") from None
    return int(cur.lastrowid or 0)


def rehearsal_section(conn: sqlite3.Connection, scope: Any) -> Any:
    """The report's rehearsal section: per trainee and scenario, runs and scores (None without rehearsals).

    ``scope`` is the report's :class:`~hitl_console.store.report.Scope` (session and since)."""
    from hitl_console.store.report import Section

    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rehearsals'").fetchone():
        return None
    where: list[str] = []
    params: list[Any] = []
    if scope.session_id is not None:
        where.append("session_id = ?")
        params.append(scope.session_id)
    if scope.since is not None:
        where.append("started_at >= ?")
        params.append(scope.since)
    sql = (
        "SELECT trainee, scenario_title, count(*), round(avg(score), 1), min(score), max(score)"
        " FROM rehearsals" + (" WHERE " + " AND ".join(where) if where else "")
        + " GROUP BY trainee, scenario_title ORDER BY trainee, scenario_title"
    )
    rows = [list(r) for r in conn.execute(sql, params)]
    if not rows:
        return None
    return Section(
        title="Rehearsals",
        columns=["trainee", "scenario", "runs", "mean score", "worst", "best"],
        rows=rows,
    )
