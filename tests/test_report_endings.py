"""Chats that ended without an outcome (lost in a platform restart) are left out of the report's outcome
figures and counted on a line of their own, in logs written before and after the ending had its own close."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report_plant import START, Planter

from hitl_console.cli import main
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.models import Role, Trigger
from hitl_console.store.queries import open_log
from hitl_console.store.report import Scope, build_report


def _log(path: Path, catalogue: Catalogue, *, old_style: bool) -> None:
    """4 AI-only chats resolved (rated 4), 1 abandoned by its customer, and 5 lost in a platform restart
    (2 of them held by a supervisor). ``old_style``: the lost ones were logged as abandoned, as consoles did
    before lost chats had no outcome of their own."""
    p = Planter(path, catalogue)
    f = p.floor
    for i in range(4):
        f.open_chat(f"R{i}", "Ana", "Where is my parcel?", at=START + i)
        f.close(f"R{i}", Role.AI, rating=4, at=START + 60 + i)
    f.open_chat("X", "Bo", "Where is my parcel?", at=START)
    f.escalate("X", Trigger.CUSTOMER_REQUEST, at=START + 5)
    f.close("X", None, abandoned=True, at=START + 90)
    for i in range(5):
        cid = f"L{i}"
        f.open_chat(cid, "Cy", "Where is my parcel?", at=START + 10 + i)
        if i < 2:
            f.take_over(cid, "ivy", at=START + 20 + i)
        f.close(cid, None, abandoned=old_style, ending="platform_restarted", at=START + 100)
    p.close()


@pytest.mark.parametrize("old_style", [False, True])
def test_chats_lost_in_a_restart_are_left_out_of_the_outcomes(
    tmp_path: Path, catalogue: Catalogue, old_style: bool
) -> None:
    db = tmp_path / "log.db"
    _log(db, catalogue, old_style=old_style)
    rep = build_report(open_log(db), Scope())
    assert rep.chats == 5 and rep.left_out == {"platform_restarted": 5}
    rows = {r.path: r for r in rep.paths}
    assert rows["ai_only"].chats == 4 and rows["ai_only"].abandoned_share == 0.0
    assert rows["unattended"].chats == 1 and rows["unattended"].abandoned_share == 1.0
    assert rows["proactive"].chats == 0 and rows["proactive"].takeovers == 0
    sec = rep.sections["left_out"]
    assert "(5, left out of the outcomes above)" in sec.title
    assert sec.rows == [["lost in a platform restart", 5, 2]]


def test_the_cli_says_how_many_were_left_out(
    tmp_path: Path, catalogue: Catalogue, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.db"
    _log(db, catalogue, old_style=False)
    main(["report", "--db", str(db), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["chats"] == 5 and doc["left_out"] == {"platform_restarted": 5}
    main(["report", "--db", str(db)])
    text = capsys.readouterr().out
    assert "Chats closed without an outcome (5, left out of the outcomes above)" in text
    assert "lost in a platform restart" in text
