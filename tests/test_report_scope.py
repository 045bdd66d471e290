"""The report says what it covers (sessions, their kinds, the span; a warning when policies are mixed),
shows how many chats were rated, tells simulated supervisors from people, and counts open takeovers in the
load; simulated sessions end with their bots' chats handed back; simulate's summary speaks the report's words."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from test_report_plant import START, Planter

from hitl_console.cli import main
from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.models import ChatStatus, Role, Trigger
from hitl_console.report_cmd import format_markdown, scope_lines
from hitl_console.runtime import SimRuntime, build_sim
from hitl_console.simulate_cmd import format_summary
from hitl_console.sources.supervisors import SupervisorPolicy
from hitl_console.store.queries import open_log
from hitl_console.store.report import Report, Scope, build_report
from hitl_console.store.writer import Store


def _report(db: Path, scope: Scope | None = None) -> Report:
    conn = open_log(db)
    try:
        return build_report(conn, scope or Scope())
    finally:
        conn.close()


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        main(args)
    except SystemExit as e:
        assert not e.code
    return capsys.readouterr().out


def _sim(db: Path, policy: str, *, seed: int, closed: int = 15, console: str | None = None,
         supervisors: int = 2) -> SimRuntime:
    """A simulated floor stopped after ``closed`` chats (more are on the way), still open."""
    rt = build_sim(
        Settings(), seed=seed, db=db, max_chats=400, policy=SupervisorPolicy(policy), supervisors=supervisors,
        start=START, supervisor=console, source_name="console" if console else "simulator",
        bot_prefix="colleague-" if console else "sup",
    )

    async def go() -> None:
        rt.sim.start()
        while rt.floor.closed_count < closed and await rt.sim.step():
            pass

    asyncio.run(go())
    return rt


# -- 1. the number rated ---------------------------------------------------------------------------


def test_the_outcome_table_shows_how_many_chats_were_rated(
    tmp_path: Path, catalogue: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.db"
    p = Planter(db, catalogue)
    for i in range(12):  # 12 unattended chats, 5 of them rated
        p.chat("unattended", t0=START + 10 * i, rating=1 + i % 2 if i < 5 else None)
    for i in range(7):
        p.chat("ai_only", t0=START + 200 + 10 * i, rating=5 if i % 7 else None)
    p.close()
    out = _cli(["report", "--db", str(db)], capsys)
    assert max(map(len, out.splitlines())) <= 80
    header = next(x for x in out.splitlines() if x.startswith("handling path") and "rated" in x)
    col = header.split().index("rated")  # the path's words are one field in the header, several in the rows
    rows = {x[:32].strip(): x[32:].split() for x in out.splitlines()[out.splitlines().index(header) + 2:][:7]}
    assert rows["trigger fired, nobody came"][col - 2] == "5"
    assert rows["AI only"][col - 2] == "6"
    md = format_markdown(_report(db))
    assert any(x.startswith("| handling path |") and " | rated | " in x for x in md.splitlines())
    assert any(x.startswith("| trigger fired, nobody came | 12 |") and "| 5 |" in x for x in md.splitlines())


# -- 2. the scope ----------------------------------------------------------------------------------


def test_the_scope_lists_sessions_and_warns_when_policies_are_mixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.db"
    for policy, seed in (("reactive", 1), ("proactive", 1), ("reactive", 2)):
        _sim(db, policy, seed=seed).close()
    rep = _report(db)
    lines = scope_lines(rep)
    assert lines[0].startswith("Scope: 3 sessions, chats 2026-01-01 00:")
    assert lines[0].endswith(" UTC")
    groups = {x.strip().split(":")[0]: x for x in lines[1:] if x.startswith("  ")}
    assert set(groups) == {"sessions 1, 3", "session 2"}
    assert "simulator; simulated supervisors (reactive)" in groups["sessions 1, 3"]
    assert "(proactive)" in groups["session 2"]
    assert rep.mixed and lines[-1].startswith("Warning: these sessions differ in supervisor policy")
    assert "--session ID" in " ".join(lines[-2:])
    text = _cli(["report", "--db", str(db)], capsys)
    assert text.startswith("Scope: 3 sessions") and "--session ID" in text
    one = _cli(["report", "--db", str(db), "--session", "2"], capsys)
    assert one.splitlines()[0].startswith("Scope: session 2 (simulator; simulated supervisors (proactive)), ")
    assert "Warning" not in one
    doc = json.loads(_cli(["report", "--db", str(db), "--format", "json"], capsys))
    assert doc["scope"]["mixed"] is True
    assert [(s["id"], s["source"], s["policy"]) for s in doc["scope"]["sessions"]] == [
        (1, "simulator", "reactive"), (2, "simulator", "proactive"), (3, "simulator", "reactive")]
    assert sum(s["chats"] for s in doc["scope"]["sessions"]) >= doc["chats"]
    same = json.loads(_cli(["report", "--db", str(db), "--format", "json", "--session", "3"], capsys))
    assert same["scope"]["mixed"] is False and [s["id"] for s in same["scope"]["sessions"]] == [3]


def test_sessions_of_one_kind_are_not_a_mix(tmp_path: Path, catalogue: Catalogue) -> None:
    db = tmp_path / "log.db"
    for k in range(2):
        p = Planter(db, catalogue, start=START + 1000 * k)
        p.chat("ai_only", t0=START + 1000 * k, rating=5)
        p.close()
    p = Planter(db, catalogue, start=START + 90_000, source="bridge http://platform")
    p.chat("ai_only", t0=START + 90_000, rating=4)
    p.close()
    both = _report(db, Scope(since=START, session_id=None))
    assert both.mixed and "differ in source;" in scope_lines(both)[-2] + scope_lines(both)[-1]
    first = _report(db, Scope(since=START, session_id=1))
    assert not first.mixed
    same = _report(db, Scope(since=START - 1, session_id=None))
    assert [s.id for s in same.sessions] == [1, 2, 3]
    early = _report(db, Scope(since=START + 80_000))  # --since narrows the sessions too
    assert [s.id for s in early.sessions] == [3] and not early.mixed
    # the span runs over the days it covers
    assert "2026-01-01 00:00 to 2026-01-02 01:0" in scope_lines(both)[0]


# -- 3. simulated supervisors ----------------------------------------------------------------------


def test_a_simulated_session_ends_with_its_bots_chats_handed_back(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    rt = _sim(db, "reactive", seed=2, closed=20, console="sam")
    assert rt.store is not None
    # the console's human takes a waiting chat and keeps it
    waiting = next(c for c in rt.floor.chats.values() if c.status in (ChatStatus.ESCALATED, ChatStatus.AI))
    rt.floor.take_over(waiting.id, "sam")
    held = {c.id for c in rt.floor.chats.values() if c.status is ChatStatus.HUMAN and c.holder != "sam"}
    assert held, "the colleagues hold chats when the session ends"
    end = rt.clock.now()
    rt.close()
    conn = sqlite3.connect(db)
    cfg = json.loads(conn.execute("SELECT config FROM sessions").fetchone()[0])
    assert cfg["simulated_supervisors"]["names"] == ["colleague-1", "colleague-2"]
    assert cfg["simulated_supervisors"]["policy"] == "reactive"
    assert conn.execute("SELECT ended_at FROM sessions").fetchone()[0] == end
    open_ = conn.execute("SELECT supervisor, chat_id FROM takeovers WHERE ended_at IS NULL").fetchall()
    assert open_ == [("sam", waiting.id)]  # a person's takeover stays open: they did not hand it back
    back = conn.execute(
        "SELECT chat_id, ending, ended_at FROM takeovers WHERE supervisor != 'sam' AND chat_id IN"
        f" ({','.join('?' * len(held))}) AND ended_at = ?", [*held, end]).fetchall()
    assert {c for c, _, _ in back} == held and {e for _, e, _ in back} == {"handed_back"}
    released = conn.execute(
        "SELECT chat_id FROM events WHERE type = 'chat.released' AND at = ?", [end]).fetchall()
    assert {c for (c,) in released} == held
    conn.close()
    rep = _report(db)
    sec = rep.sections["still_open"]
    assert sum(r[2] for r in sec.rows) == 1 and ["held by a human", 1, 1] in sec.rows


def test_simulated_supervisors_are_marked_and_kept_apart_per_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.db"
    for seed in (3, 4):
        rt = _sim(db, "reactive", seed=seed, closed=20, console="sam")
        target = next(c for c in rt.floor.chats.values() if c.status in (ChatStatus.ESCALATED, ChatStatus.AI))
        rt.floor.take_over(target.id, "sam")
        rt.floor.send_human(target.id, "sam", "Hello, I'm here.")
        rt.close()
    rep = _report(db)
    rows = {(s.supervisor, s.session): s for s in rep.supervisors}
    assert ("sam", None) in rows and not rows[("sam", None)].simulated
    assert rows[("sam", None)].takeovers == 2  # a person is one row across sessions
    bots = {k for k in rows if k[0].startswith("colleague-")}
    assert bots and {sid for _, sid in bots} == {1, 2} and all(rows[k].simulated for k in bots)
    conn = sqlite3.connect(db)
    per = dict(((n, s), c) for n, s, c in conn.execute(
        "SELECT supervisor, session_id, count(*) FROM takeovers GROUP BY 1, 2"))
    conn.close()
    assert {k: rows[k].takeovers for k in bots} == {k: v for k, v in per.items() if k[0] != "sam"}
    out = _cli(["report", "--db", str(db)], capsys)
    assert "colleague-1 (sim, s1)" in out and "colleague-1 (sim, s2)" in out
    assert "(sim): a simulated supervisor, one row per session (sN: session N)" in out
    assert "sam with 2 simulated colleagues, reactive" in out
    doc = json.loads(_cli(["report", "--db", str(db), "--format", "json"], capsys))
    assert {(s["supervisor"], s["session"], s["simulated"]) for s in doc["supervisors"]} == {
        (k[0], k[1], k[1] is not None) for k in rows}
    one = _cli(["report", "--db", str(db), "--session", "1"], capsys)
    assert "colleague-1 (sim) " in one and "(sim, s" not in one


def test_old_logs_tell_simulated_supervisors_from_the_session_record(tmp_path: Path, catalogue: Catalogue) -> None:
    """Logs from before the config recorded them: a console's others are its simulated colleagues; every
    supervisor of a session run by a policy is simulated; elsewhere supervisors are people."""
    db = tmp_path / "log.db"
    for source, sup in (("console", "sam"), ("simulator", "reactive"), ("bridge http://x", "ivy")):
        p = Planter(db, catalogue)
        p.store.db.execute("UPDATE sessions SET source = ?, supervisor = ? WHERE id = ?",
                           [source, sup, p.session_id])
        p.chat("after_technical", t0=START, supervisor="colleague-1", rating=4)
        p.chat("after_technical", t0=START + 10, supervisor="sam", rating=4)
        p.close()
    rep = _report(db)
    got = {(s.supervisor, s.session) for s in rep.supervisors}
    assert got == {("sam", None), ("colleague-1", None), ("colleague-1", 1), ("sam", 2), ("colleague-1", 2)}
    kinds = {s.id: s.kind for s in rep.sessions}
    assert kinds == {1: "sam with 1 simulated colleague", 2: "simulated supervisors (reactive)", 3: "ivy"}


def test_load_counts_open_takeovers_until_the_end_of_the_log(tmp_path: Path, catalogue: Catalogue) -> None:
    """A live session (not ended): a takeover still open counts as held until the log's last event."""
    db = tmp_path / "log.db"
    p = Planter(db, catalogue)
    f = p.floor
    f.open_chat("A", "Ann", None, intent="delivery_delay", eligible=True, at=START)
    f.escalate("A", Trigger.TECHNICAL, "planted", at=START + 10)
    f.take_over("A", "ivy", at=START + 20)
    f.open_chat("B", "Bo", None, intent="delivery_delay", eligible=True, at=START + 30)
    f.escalate("B", Trigger.TECHNICAL, "planted", at=START + 40)
    f.take_over("B", "ivy", at=START + 60)
    f.add_message("B", Role.CUSTOMER, "Still there?", at=START + 120, check_triggers=False)
    p.store.flush()
    p.store.close()  # the console is still running: no session end
    (ivy,) = _report(db).supervisors
    assert ivy.peak_load == 2
    assert ivy.held_s == pytest.approx(100 + 60)
    assert ivy.mean_load == pytest.approx(160 / 100)


def test_a_session_config_that_is_not_json_does_not_stop_the_report(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    s = Store(db)
    s.start_session(source="simulator", supervisor="reactive")
    s.db.execute("UPDATE sessions SET config = 'not json'")
    s.end_session()
    s.close()
    rep = _report(db, Scope(session_id=1))
    assert [x.id for x in rep.sessions] == [1] and rep.sessions[0].policy == "reactive"
    assert scope_lines(rep) == ["Scope: session 1 (simulator; simulated supervisors (reactive))"]


# -- 4. simulate's words ---------------------------------------------------------------------------


def test_simulate_summary_uses_the_reports_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "run.db"
    text = _cli(["simulate", "--chats", "40", "--seed", "5", "--supervisor", "none", "--db", str(db)], capsys)
    table = text.split("handling path", 1)[1]
    assert "AI only" in table and "trigger fired, nobody came (" in table
    assert "unattended_" not in text and "after_" not in text and "customer_request" not in text
    doc = json.loads(_cli(["simulate", "--chats", "40", "--seed", "5", "--supervisor", "none", "--db", str(db),
                           "--json"], capsys))
    assert "ai_only" in doc["paths"] and any(p.startswith("unattended_") for p in doc["paths"])
    again = format_summary(doc | {"db": "x", "session": 1})
    for path, p in doc["paths"].items():  # one row per path, the same figures, in words
        label = "AI only" if path == "ai_only" else f"trigger fired, nobody came ({path[11:].replace('_', ' ')})"
        row = next(x for x in again.splitlines() if x.startswith(label + " "))
        assert row.split()[-4:-2] == [str(p["chats"]), str(p["rated"])]


def test_an_empty_scope_says_that_rehearsals_are_left_out() -> None:
    empty = Report(scope=Scope(), chats=0, paths=[], supervisors=[])
    assert "--include-rehearsals" in "\n".join(scope_lines(empty))
    assert "--include-rehearsals" not in "\n".join(scope_lines(Report(Scope(include_rehearsals=True), 0, [], [])))


def test_simulate_prints_the_mean_rating_with_three_decimals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(_cli(["simulate", "--chats", "10", "--seed", "5", "--db", str(tmp_path / "r.db"), "--json"],
                          capsys))
    for value, shown in ((4.49, "4.490"), (4.4974, "4.497")):
        assert f"mean rating: {shown}" in format_summary(doc | {"db": "x", "session": 1, "mean_rating": value})
