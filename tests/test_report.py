"""The outcome report recovers effects planted in a log, within its intervals; the CLI's forms and errors."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from pathlib import Path

import pytest
from test_report_plant import START, Planter

from hitl_console.cli import main
from hitl_console.core.catalogue import Catalogue
from hitl_console.report_cmd import TOO_FEW, format_markdown, format_table, tables
from hitl_console.store.queries import open_log
from hitl_console.store.report import Report, Scope, build_report
from hitl_console.store.stats import mean_ci, t_quantile, welch_diff

# true mean rating per path: the paper's pattern (emotional costs most, customer request less)
TRUE_MEAN = {
    "ai_only": 4.4,
    "after_technical": 4.3,
    "after_emotional": 3.5,
    "after_customer_request": 3.9,
    "after_ineligible": 4.1,
    "proactive": 4.6,
}
PER_PATH = 160
WAITS = {
    "after_technical": 20.0,
    "after_emotional": 40.0,
    "after_customer_request": 60.0,
    "after_ineligible": 80.0,
}
HUMAN = {"after_technical": 1, "after_emotional": 3, "after_customer_request": 2, "after_ineligible": 2}


def _rating(rng: random.Random, mean: float) -> int:
    """A 1-5 rating whose expectation is exactly ``mean`` (two neighbouring values)."""
    lo = int(mean)
    return lo + (1 if rng.random() < mean - lo else 0)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    path = tmp_path_factory.mktemp("report") / "log.db"
    rng = random.Random(3)
    p = Planter(path, catalogue)
    t = START
    for i in range(PER_PATH):
        for path_name, mean in TRUE_MEAN.items():
            t += 7
            wait = WAITS.get(path_name, 10.0) + (i % 5) - 2  # median of the five offsets is the planted wait
            abandoned = path_name == "after_customer_request" and i % 10 == 0
            p.chat(
                path_name,
                t0=t,
                rating=_rating(rng, mean),
                wait=wait,
                duration=100.0 + 10 * (i % 3),
                human=HUMAN.get(path_name, 1),
                abandoned=abandoned,
                supervisor="sup1" if i % 2 else "sup2",
                reply_after=4.0 if i % 2 else 12.0,
            )
    for i in range(40):
        t += 7
        p.chat("unattended", t0=t, rating=1 if i % 4 == 0 else None)
    p.close()
    return path


@pytest.fixture(scope="module")
def report(planted: Path) -> Report:
    conn = open_log(planted)
    try:
        return build_report(conn, Scope())
    finally:
        conn.close()


def test_the_report_recovers_planted_ratings_and_differences(report: Report) -> None:
    rows = {r.path: r for r in report.paths}
    assert report.chats == PER_PATH * len(TRUE_MEAN) + 40
    checks: list[tuple[str, float, float | None, tuple[float, float] | None]] = []
    for path, mean in TRUE_MEAN.items():
        r = rows[path]
        assert r.chats == PER_PATH and r.rated == PER_PATH
        checks.append((path, mean, r.mean_rating, r.rating_ci95))
        if path != "ai_only":
            checks.append((f"{path} - ai_only", mean - TRUE_MEAN["ai_only"], r.diff_vs_ai_only, r.diff_ci95))
    misses: set[str] = set()
    for name, truth, est, ci in checks:
        assert est is not None and ci is not None, name
        half = (ci[1] - ci[0]) / 2
        assert abs(est - truth) < 1.6 * half, name  # about three standard errors: never missed by far
        if not ci[0] <= truth <= ci[1]:
            misses.add(name.split(" ")[0])
    # 95% intervals over six paths (a path's mean and its difference miss together): one path may miss by
    # chance; two or more would mean the intervals are too narrow
    assert len(misses) <= 1, misses
    # the planted emotional cost is large enough to be detected
    emo = rows["after_emotional"].diff_ci95
    assert emo is not None and emo[1] < 0
    assert rows["ai_only"].diff_vs_ai_only is None


def test_waits_abandonment_durations_and_human_messages_are_exact(report: Report) -> None:
    rows = {r.path: r for r in report.paths}
    for path, wait in WAITS.items():
        assert rows[path].median_wait_s == pytest.approx(wait)
        assert rows[path].human_messages_per_takeover == pytest.approx(HUMAN[path])
        assert rows[path].takeovers == PER_PATH
    # proactive chats: a proactive takeover with one message, handed back, then an escalation with one
    assert rows["proactive"].takeovers == 2 * PER_PATH
    assert rows["proactive"].human_messages_per_takeover == pytest.approx(1.0)
    assert rows["proactive"].median_wait_s is None  # the path's (first) takeover waited for no trigger
    assert rows["after_customer_request"].abandoned_share == pytest.approx(0.1)
    assert rows["after_technical"].abandoned_share == 0.0
    assert rows["ai_only"].mean_duration_s == pytest.approx(110.0, abs=0.2)
    un = rows["unattended"]
    assert un.chats == 40 and un.rated == 10 and un.abandoned_share == 1.0 and un.takeovers == 0


def test_supervisor_rows(report: Report) -> None:
    sups = {s.supervisor: s for s in report.supervisors}
    assert set(sups) == {"sup1", "sup2"}
    total = sum(s.takeovers for s in sups.values())
    assert total == PER_PATH * 4 + 2 * PER_PATH
    assert sups["sup1"].median_reply_latency_s == pytest.approx(4.0)
    assert sups["sup2"].median_reply_latency_s == pytest.approx(12.0)
    assert sups["sup1"].proactive == PER_PATH // 2
    for s in sups.values():
        assert s.mean_load is not None and 0 < s.mean_load <= s.peak_load


def test_load_counts_chats_held_at_once(tmp_path: Path, catalogue: Catalogue) -> None:
    p = Planter(tmp_path / "log.db", catalogue)
    # sup1 holds two chats at once for a while; sup2 one chat
    p.chat("after_technical", t0=START, wait=0.0, duration=100.0, supervisor="sup1")
    p.chat("after_technical", t0=START + 50, wait=0.0, duration=100.0, supervisor="sup1")
    p.chat("after_emotional", t0=START + 60, wait=0.0, duration=30.0, supervisor="sup2")
    p.close()
    conn = open_log(tmp_path / "log.db")
    rep = build_report(conn, Scope())
    sups = {s.supervisor: s for s in rep.supervisors}
    assert sups["sup1"].peak_load == 2 and sups["sup2"].peak_load == 1
    # active window: START+3 .. START+150; sup1 holds 97 + 97 seconds of it
    assert sups["sup1"].mean_load == pytest.approx(194 / 147, rel=1e-6)


def test_scope_by_session_and_since(tmp_path: Path, catalogue: Catalogue) -> None:
    db = tmp_path / "log.db"
    a = Planter(db, catalogue)
    a.chat("ai_only", t0=START, rating=5)
    a.chat("ai_only", t0=START + 86_400, rating=3)
    a.close()
    b = Planter(db, catalogue, start=START + 100)
    b.chat("after_emotional", t0=START + 200, rating=1, chat_id="P00001")
    b.close()
    conn = open_log(db)
    assert build_report(conn, Scope()).chats == 3
    first = build_report(conn, Scope(session_id=a.session_id))
    assert first.chats == 2 and {r.path: r.chats for r in first.paths}["after_emotional"] == 0
    later = build_report(conn, Scope(since=START + 3600))
    assert later.chats == 1 and later.paths[0].mean_rating == 3.0


def test_statistics_helpers() -> None:
    # t quantiles against tabulated values
    for df, q in ((1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042), (1000, 1.962)):
        assert t_quantile(0.975, df) == pytest.approx(q, abs=0.003)
    m, ci = mean_ci([1, 2, 3, 4, 5])
    assert m == 3.0 and ci == pytest.approx(
        (3 - 2.776 * 1.5811 / 5**0.5, 3 + 2.776 * 1.5811 / 5**0.5), abs=0.01
    )
    assert mean_ci([4]) == (4.0, None) and mean_ci([]) == (None, None)
    d, dci = welch_diff([5, 5, 5], [5, 5, 5])
    assert d == 0.0 and dci == (0.0, 0.0)


def test_cli_forms(planted: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", "--db", str(planted), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1 and doc["chats"] == PER_PATH * len(TRUE_MEAN) + 40
    row = next(p for p in doc["paths"] if p["path"] == "after_emotional")
    assert set(row) >= {
        "chats",
        "mean_rating",
        "rating_ci95",
        "diff_vs_ai_only",
        "diff_ci95",
        "median_wait_s",
        "abandoned_share",
        "human_messages_per_takeover",
        "mean_duration_s",
    }
    assert len(row["diff_ci95"]) == 2 and row["median_wait_s"] == pytest.approx(40.0)
    assert {s["supervisor"] for s in doc["supervisors"]} == {"sup1", "sup2"}
    main(["report", "--db", str(planted)])
    table = capsys.readouterr().out
    assert "human after emotional escalation" in table and "Supervisors" in table
    main(["report", "--db", str(planted), "--format", "markdown"])
    md = capsys.readouterr().out
    assert md.count("| AI only |") == 1 and "| --- |" in md


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--db", "{missing}"], "no such file"),
        (["--db", "{foreign}"], "not a hitl-console log"),
        (["--db", "{garbage}"], "not a SQLite database"),
        (["--db", "{planted}", "--format", "xml"], "--format"),
        (["--db", "{planted}", "--since", "yesterday"], "--since 'yesterday'"),
        (["--db", "{planted}", "--session", "99"], "no session 99"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], expect: str, planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    paths = {"missing": tmp_path / "nope.db", "foreign": foreign, "garbage": garbage, "planted": planted}
    with pytest.raises(SystemExit) as e:
        main(["report", *[a.format(**paths) for a in args]])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert expect in err and err.count("\n") == 1 and "Traceback" not in err


def test_agent_usage_section(tmp_path: Path, catalogue: Catalogue) -> None:
    p = Planter(tmp_path / "log.db", catalogue)
    p.chat("ai_only", t0=START, rating=5)
    p.close()
    conn = sqlite3.connect(tmp_path / "log.db")
    assert "agent_usage" not in build_report(conn, Scope()).sections  # the rules agent reports no usage
    with conn:
        conn.execute(
            "INSERT INTO messages (session_id, chat_id, seq, at, role, author, text, input_tokens, output_tokens,"
            " latency_s) VALUES (1, 'P00001', 99, ?, 'ai', 'claude', 'hi', 1200, 80, 1.5), "
            "(1, 'P00001', 100, ?, 'ai', 'claude', 'ok', 1300, 20, 2.5)",
            (START + 5, START + 6),
        )
    sec = build_report(conn, Scope()).sections["agent_usage"]
    assert sec.rows == [["claude", 2, 2500, 100, 2.0, 2.5]]


def test_rating_intervals_stay_on_the_scale_and_small_rows_are_marked(
    tmp_path: Path, catalogue: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.db"
    p = Planter(db, catalogue)
    for i, r in enumerate((2, 5, 4)):  # mean 3.67, raw 95% interval about [-0.1, 7.5]
        p.chat("ai_only", t0=START + 10 * i, rating=r)
    for i in range(6):
        p.chat("after_technical", t0=START + 100 + 10 * i, rating=3 + i % 2, supervisor="sup1")
    p.close()
    rep = build_report(open_log(db), Scope())
    rows = {r.path: r for r in rep.paths}
    ai = rows["ai_only"]
    assert ai.rating_ci95 is not None and ai.rating_ci95[0] < 1 and ai.rating_ci95[1] > 5
    assert ai.rating_ci95_clipped == (1.0, 5.0) and ai.too_few
    tech = rows["after_technical"]
    assert not tech.too_few and tech.rating_ci95_clipped == tech.rating_ci95
    assert tech.diff_ci95 is not None and tech.diff_ci95_clipped is not None
    assert -4 <= tech.diff_ci95_clipped[0] <= tech.diff_ci95_clipped[1] <= 4
    main_args = ["report", "--db", str(db)]
    _run(main_args)
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("AI only"))
    assert "3.67 (too few)" in line and "[1.00, 5.00]" not in line  # no interval on 3 ratings
    tech_line = next(x for x in out.splitlines() if x.startswith("human after technical"))
    assert "3.50 [" in tech_line and "3.50 (too few)" not in tech_line  # its own 6 ratings are enough
    assert "-0.17 (too few)" in tech_line  # its difference rests on AI only's 3 ratings
    _run([*main_args, "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    ai_json = next(r for r in doc["paths"] if r["path"] == "ai_only")
    assert ai_json["rating_ci95_clipped"] == [1.0, 5.0] and ai_json["too_few"] is True
    assert ai_json["rating_ci95"][0] < 1


def _small_log(tmp_path: Path, catalogue: Catalogue, ai_only: int) -> Report:
    """``ai_only`` rated AI-only chats, 6 after a technical escalation, 2 proactive, 1 nobody came to."""
    db = tmp_path / f"small{ai_only}.db"
    p = Planter(db, catalogue)
    for i in range(ai_only):
        p.chat("ai_only", t0=START + 10 * i, rating=4 + i % 2)
    for i in range(6):
        p.chat("after_technical", t0=START + 100 + 10 * i, rating=3 + i % 2, supervisor="sup1")
    for i in range(2):
        p.chat("proactive", t0=START + 200 + 10 * i, rating=5, supervisor="sup2")
    p.chat("unattended", t0=START + 300, rating=1)
    p.close()
    return build_report(open_log(db), Scope())


@pytest.mark.parametrize("ai_only", [3, 8])
def test_too_few_reads_the_same_in_every_column_and_form(
    tmp_path: Path, catalogue: Catalogue, ai_only: int
) -> None:
    rep = _small_log(tmp_path, catalogue, ai_only)
    title, header, rows, note = tables(rep)[0]
    cells = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    rating, diff = "rating\n[95% CI]", "vs AI only\n[95% CI]"
    marked = [(label, col) for label, r in cells.items() for col, c in r.items() if "too few" in c]
    # one form wherever it appears: the figure, then the mark; never an interval beside it
    assert marked and all(re.fullmatch(r"[+-]?\d\.\d\d \(too few\)", cells[lb][col]) for lb, col in marked)
    assert {col for _, col in marked} <= {rating, diff}
    for small in ("proactive takeover", "trigger fired, nobody came"):  # 2 and 1 ratings
        assert cells[small][rating].endswith(TOO_FEW) and cells[small][diff].endswith(TOO_FEW)
    tech = cells["human after technical escalation"]
    assert "[" in tech[rating]  # 6 ratings: the interval
    assert tech[diff].endswith(TOO_FEW) == (ai_only < 5)  # the difference is as good as AI only's ratings
    assert cells["AI only"][rating].endswith(TOO_FEW) == (ai_only < 5)
    assert note.startswith(TOO_FEW) and "5 ratings" in note
    text, md = format_table(rep), format_markdown(rep)
    assert text.count(note.split(" (")[0]) == 1 and md.count(note) == 1  # explained once, under the table
    for label, col in marked:
        assert f" {cells[label][col]} |" in md and cells[label][col] in text


def test_the_table_reads_at_80_columns(tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    rep = _small_log(tmp_path, catalogue, 3)
    narrow, wide = format_table(rep, 80), format_table(rep, 200)
    assert max(map(len, narrow.splitlines())) <= 80 < max(map(len, wide.splitlines()))
    # the outcome table continues below, the handling path repeated; each figure is still there once
    for label in ("AI only", "human after technical escalation", "trigger fired, nobody came"):
        assert sum(x.startswith(label) for x in narrow.splitlines()) == 2
        assert sum(x.startswith(label) for x in wide.splitlines()) == 1
    for _, _, rows, _ in tables(rep)[:2]:
        for r in rows:  # every cell is on one of its row's lines
            lines = [x for x in narrow.splitlines() if x.startswith(r[0] + "  ")]
            assert lines and all(any(c in x for x in lines) for c in r[1:]), r
    # the two reply latencies share their label over the median and the mean
    top, bottom = (x for x in narrow.splitlines() if "reply latency" in x or x.startswith("supervisor"))
    assert top.count("reply latency") == 1 and bottom.split()[-5:] == ["median", "mean", "msgs", "load", "load"]
    span = top.index("reply latency"), top.index("reply latency") + len("reply latency")
    assert span[0] <= bottom.index("median") < bottom.index("mean") + len("mean") <= span[1]
    monkeypatch.setenv("COLUMNS", "80")
    _run(["report", "--db", str(tmp_path / "small3.db")])
    assert capsys.readouterr().out == narrow
    monkeypatch.setenv("COLUMNS", "200")
    _run(["report", "--db", str(tmp_path / "small3.db")])
    assert capsys.readouterr().out == wide


def _run(args: list[str]) -> None:
    try:
        main(args)
    except SystemExit as e:
        assert not e.code


def test_chats_still_open_when_the_log_ends_have_their_own_section(tmp_path: Path) -> None:
    import asyncio

    from hitl_console.config import Settings
    from hitl_console.core.models import ChatStatus
    from hitl_console.runtime import build_sim
    from hitl_console.sources.supervisors import SupervisorPolicy

    db = tmp_path / "log.db"
    rt = build_sim(Settings(), seed=2, db=db, max_chats=200, policy=SupervisorPolicy.REACTIVE, supervisors=1,
                   start=0.0)

    async def go() -> None:
        rt.sim.start()
        while rt.floor.closed_count < 20 and await rt.sim.step():
            pass

    asyncio.run(go())
    live = [c for c in rt.floor.chats.values() if c.status is not ChatStatus.CLOSED]
    held = sum(1 for c in live if c.status is ChatStatus.HUMAN)
    rt.close()
    assert live and held, "the run ends with chats still open, some held by the simulated supervisor"
    conn = open_log(db)
    rep = build_report(conn, Scope())
    conn.close()
    sec = rep.sections["still_open"]
    assert sum(r[1] for r in sec.rows) == len(live)
    # the simulated supervisor handed its chats back when the session ended: no takeover stays open
    assert sum(r[2] for r in sec.rows) == 0 and not any(r[0].startswith("held by") for r in sec.rows)
    assert rep.chats == 20  # the outcomes count closed chats only
