"""The shipped rehearsal scenarios: valid, covering the issue's list, experts beat novices, stable scores."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hitl_console.training.debrief import PART_NAMES, breakdown_lines
from hitl_console.training.loader import load_actions, load_scenario
from hitl_console.training.rehearsal import build_rehearsal, finish, play_actions

ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "rehearsal"
FILES = sorted(ROOT.glob("*.toml"))
REQUIRED_TAGS = {
    "technical",
    "emotional",
    "customer_request",
    "proactive",
    "false_alarm",
    "multi_chat",
    "ineligible",
    "ai_loop",
    "hand_back",
    "hostile",
}


def run(path: Path, who: str) -> dict[str, Any]:
    sc = load_scenario(path)
    acts = load_actions(ROOT / "actions" / f"{path.stem}.{who}.toml", sc)
    rt = build_rehearsal(path, scenario=sc, start=1_767_225_600.0, supervisor=who)
    asyncio.run(play_actions(rt, acts))
    return finish(rt, mode="scripted")


def test_at_least_ten_scenarios_cover_the_list() -> None:
    assert len(FILES) >= 10
    tags = set().union(*(load_scenario(f).tags for f in FILES))
    assert tags >= REQUIRED_TAGS, REQUIRED_TAGS - tags
    multi = [f for f in FILES if len(load_scenario(f).chats) >= 6]
    assert multi, "a multi-chat attention test with six chats"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_expert_beats_novice_and_scores_are_stable(path: Path) -> None:
    expert = run(path, "expert")
    novice = run(path, "novice")
    assert expert["refused"] == [] and novice["refused"] == [], (expert["refused"], novice["refused"])
    assert expert["score"] >= 90
    assert expert["score"] > novice["score"] + 20
    again = run(path, "expert")
    assert again == expert
    assert run(path, "novice") == novice
    # the breakdown adds up to the score, in the JSON and as the debrief shows it
    for res in (expert, novice):
        b = res["breakdown"]
        parts = [v for v in b.values() if isinstance(v, dict) and "points" in v]
        total = sum(p["points"] for p in parts) - b["penalties"]
        assert abs(100 * max(total, 0) / sum(p["max"] for p in parts) - res["score"]) <= 1
        assert_breakdown_text_adds_up(res)


def assert_breakdown_text_adds_up(res: dict[str, Any]) -> None:
    """The debrief's parts add up to its total line, with maxima as the JSON gives them."""
    lines = breakdown_lines(res)
    rows = {line[:20].strip(): line[20:].split() for line in lines if not line.lstrip().startswith("(")}
    b = res["breakdown"]
    shown_points = 0.0
    shown_max = 0.0
    for key, name in PART_NAMES.items():
        if key in b:
            points, slash, mx = rows[name]
            assert slash == "/" and float(points) == b[key]["points"] and float(mx) == b[key]["max"]
            shown_points += float(points)
            shown_max += float(mx)
    if b["penalties"]:
        shown_points -= float(rows["mistakes"][0].lstrip("-"))
    total = rows["total"]
    assert float(total[0]) == pytest.approx(shown_points, abs=1e-9)
    assert float(total[2]) == pytest.approx(shown_max, abs=1e-9)
    if round(shown_max, 1) != 100:
        assert total[3:6] == ["=", str(res["score"]), "/"]
    assert abs(100 * max(shown_points, 0) / shown_max - res["score"]) <= 0.5 + 1e-9


def test_ending_points_are_scored_against_the_best_possible_rating() -> None:
    from hitl_console.training.scoring import ending_points

    assert ending_points(4, 4) == 25.0 and ending_points(1, 4) == 0.0 and ending_points(None, 4) == 0.0
    assert ending_points(3, 5) == 12.5 and ending_points(3, 4) == pytest.approx(25 * 2 / 3)
    hostile = ROOT / "10-hostile-customer.toml"
    expert = run(hostile, "expert")
    best = {i["chat"]: i["best_rating"] for i in expert["ideal"]}
    assert max(best.values()) < 5  # the case the rule is for: the chat cannot end better than 4
    assert [c["rating"] for c in expert["chats"]] == [best[c["chat"]] for c in expert["chats"]]
    assert expert["breakdown"]["ending"]["points"] == expert["breakdown"]["ending"]["max"]
    assert expert["score"] == 100
