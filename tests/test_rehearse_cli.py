"""``hitl-console rehearse`` and ``hitl-console scenarios`` from the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlite_utils

from hitl_console.cli import main

ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "rehearsal"
SCENARIO = ROOT / "01-technical-escalation.toml"
EXPERT = ROOT / "actions" / "01-technical-escalation.expert.toml"
NOVICE = ROOT / "actions" / "01-technical-escalation.novice.toml"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(args))
    except SystemExit as e:
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_rehearse_json_and_log(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    code, out, err = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(EXPERT), "--json", "--db", str(db))
    assert code == 0, err
    res = json.loads(out)
    assert res["trainee"] == "expert" and res["file"] == str(SCENARIO)
    assert set(res["breakdown"]) >= {"timing", "latency", "elements", "ending", "penalties"}
    code, out, _ = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(NOVICE), "--json", "--db", str(db))
    novice = json.loads(out)
    assert novice["score"] < res["score"]
    rows = list(sqlite_utils.Database(db).query("select trainee, score, actions_file from rehearsals order by id"))
    assert [(r["trainee"], r["score"]) for r in rows] == [("expert", res["score"]), ("novice", novice["score"])]
    assert rows[0]["actions_file"] == str(EXPERT)


def test_rehearse_text_debrief(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(NOVICE), "--no-log")
    assert code == 0
    assert "score: " in out and "tips:" in out and "timeline:" in out
    assert "late, took over at 85 s" in out


def test_scenarios_validate_and_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = sorted(str(p) for p in ROOT.glob("*.toml"))
    code, out, err = cli(capsys, "scenarios", "validate", *files)
    assert code == 0, err
    assert out.count(": ok (") == len(files)
    code, folder, err = cli(capsys, "scenarios", "validate", str(ROOT))  # a folder: its scenario files
    assert code == 0, err
    assert folder == out
    code, _, err = cli(capsys, "scenarios", "validate", str(tmp_path))
    assert code == 2 and "no scenario files" in err
    code, out, _ = cli(capsys, "scenarios", "schema")
    assert code == 0 and json.loads(out)["title"] == "Scenario"
    code, out, _ = cli(capsys, "scenarios", "schema", "--actions")
    assert json.loads(out)["title"] == "Actions"


def test_bad_files_give_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SCENARIO.read_text(encoding="utf-8").replace('goto = "thanks"', 'goto = "thank"'))
    code, out, err = cli(capsys, "scenarios", "validate", str(SCENARIO), str(bad))
    assert code == 2
    assert ": ok (" in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"hitl-console: error: {bad}:")
    assert "branch to a missing turn" in lines[0] and "Traceback" not in err
    code, _, err = cli(capsys, "rehearse", str(bad), "--actions", str(EXPERT), "--no-log")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "branch to a missing turn" in err
    code, _, err = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(SCENARIO), "--no-log")
    assert code == 2 and "actions" in err



def test_rehearsals_appear_in_the_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    scores = []
    for actions in (EXPERT, NOVICE):
        code, out, err = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(actions), "--db", str(db), "--json")
        assert code == 0, err
        scores.append(json.loads(out)["score"])
    code, out, err = cli(capsys, "report", "--db", str(db))
    assert code == 0, err
    section = out[out.index("Rehearsals") :].splitlines()
    for who, score in zip(("expert", "novice"), scores, strict=True):
        line = next(row for row in section if row.startswith(who))
        assert "The customs fee the AI cannot refund" in line
        assert line.split()[-3:] == [f"{score:.1f}", str(score), str(score)]  # mean, worst, best of one run


def test_report_leaves_rehearsals_out_of_outcomes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    for actions in (EXPERT, NOVICE):
        code, _, err = cli(capsys, "rehearse", str(SCENARIO), "--actions", str(actions), "--db", str(db), "--json")
        assert code == 0, err
    code, out, err = cli(capsys, "report", "--db", str(db), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["chats"] == 0 and doc["supervisors"] == [] and doc["scope"]["include_rehearsals"] is False
    assert [r[0] for r in doc["sections"]["rehearsals"]["rows"]] == ["expert", "novice"]
    code, out, _ = cli(capsys, "report", "--db", str(db))
    outcomes = out[: out.index("Rehearsals")]
    assert "expert" not in outcomes and "novice" not in outcomes and "(0 closed chats)" in outcomes
    code, out, _ = cli(capsys, "report", "--db", str(db), "--format", "json", "--include-rehearsals")
    doc = json.loads(out)
    assert doc["chats"] == 2 and {s["supervisor"] for s in doc["supervisors"]} == {"expert", "novice"}


def test_a_rehearsal_ended_early_leaves_its_chats_unresolved_not_abandoned(tmp_path: Path) -> None:
    from hitl_console.training.rehearsal import build_rehearsal, finish

    db = tmp_path / "log.db"
    rt = build_rehearsal(SCENARIO, db=db, supervisor="trainee", start=1000.0, mode="interactive")

    async def early() -> None:
        p = rt.source
        p.start()
        await p.run_until(p.t0 + 20)
        await p.take_over(rt.scenario.chats[0].id, "trainee")
        await p.run_until(p.t0 + 30)

    asyncio.run(early())
    res = finish(rt, mode="interactive")
    assert res["chats"][0]["ending"] == "still open when the rehearsal ended"
    log = sqlite_utils.Database(db)
    chat = next(iter(log.query("select status, abandoned, resolved_by from chats")))
    assert chat == {"status": "closed", "abandoned": 0, "resolved_by": None}
    assert [r["ending"] for r in log.query("select ending from takeovers")] == ["rehearsal_ended"]
    closed = [json.loads(r["data"]) for r in log.query("select data from events where type = 'chat.closed'")]
    assert [(d["ending"], d["abandoned"]) for d in closed] == [("rehearsal_ended", False)]


def test_every_scenario_error_is_named_on_its_own_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    text = SCENARIO.read_text(encoding="utf-8").replace('goto = "thanks"', 'goto = "thank"')
    bad.write_text(text.replace("resolve_rating = 2", "resolve_rating = 2\nsurprise = 1\nresolve_ratin = 3"))
    code, _, err = cli(capsys, "scenarios", "validate", str(bad))
    assert code == 2 and "more)" not in err and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"hitl-console: error: {bad}:")
    assert len(lines) == 2 and all(f"{bad}:" in x and "unknown field" in x for x in lines)
    bad.write_text(text.replace('goto = "thanks"', 'goto = "thank"', 1).replace('goto = "', 'goto = "x', 1))
    code, _, err = cli(capsys, "rehearse", str(bad), "--no-log", "--actions", str(EXPERT))
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) >= 2 and all("branch to a missing turn" in x for x in lines)
    assert all(x.split(":")[1].isdigit() for x in lines[1:])  # FILE:LINE: ... each


def test_debrief_wording_is_the_same_headless_and_at_the_console(tmp_path: Path) -> None:
    from hitl_console.training.debrief import format_debrief
    from hitl_console.training.rehearsal import build_rehearsal, finish
    from hitl_console.training.tui.debrief_screen import debrief_text

    rt = build_rehearsal(SCENARIO, supervisor="trainee", start=1000.0, mode="interactive")

    async def at_the_console() -> str:
        p = rt.source
        p.start()
        await p.run_until(p.t0 + 20.335)  # a wall-clock driven takeover lands between whole seconds
        cid = rt.scenario.chats[0].id
        await p.take_over(cid, "trainee")
        await p.send(cid, "trainee", "So sorry! What is your order number? I'll refund the fee.")
        return await p.brief(cid)

    brief = asyncio.run(at_the_console())
    assert "Frustration" not in brief  # the chat screen shows the trajectory under the brief
    res = finish(rt, mode="interactive")
    for text in (format_debrief(res), debrief_text(res).plain):
        assert "took over at 20 s (proactive)" in text or "took over at 20 s (escalation)" in text
        assert "20.335" not in text
        assert "you said: an apology, a request for the order number, naming the refund" in text
    left = ROOT / "05-false-alarm.toml"
    code_rt = build_rehearsal(left, supervisor="trainee", start=1000.0)

    async def nothing() -> None:
        p = code_rt.source
        p.start()
        while await p.step():
            pass

    asyncio.run(nothing())
    text = format_debrief(finish(code_rt, mode="scripted"))
    assert "did not take over" in text and "took over never" not in text
