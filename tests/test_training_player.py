"""The scenario player and scoring: branches, held AI turns, refusals, timing outcomes, determinism."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hitl_console.core.engine import CommandRefused
from hitl_console.core.models import ChatStatus
from hitl_console.training.loader import load_scenario
from hitl_console.training.rehearsal import RehearsalRuntime, build_rehearsal, finish, play_actions, result
from hitl_console.training.schema import Action, Actions, Scenario

START = 1_767_225_600.0

SCENARIO = """\
title = "Player test"
difficulty = "beginner"
goal = "Test the player."
duration_s = 300

[rules.sorry]
label = "an apology"
any = ["sorry"]
tip = "Say sorry."

[rules.fixed]
any = ["fixed"]

[[chats]]
id = "C1"
customer = "Ana"
resolve_rating = 2

[[chats.turns]]
id = "open"
role = "customer"
text = "It is broken."

[[chats.turns]]
id = "ai1"
role = "ai"
delay = 5
confidence = 0.9
text = "Have you tried turning it off and on?"

[[chats.turns]]
id = "sign"
role = "customer"
delay = 10
text = "Yes. Twice."

[[chats.turns]]
id = "ai2"
role = "ai"
delay = 5
confidence = 0.2
trigger = "technical"
text = "I cannot help."

[[chats.turns]]
id = "wait1"
role = "customer"
delay = 30
text = "Hello?"

[[chats.turns]]
id = "gone"
role = "customer"
delay = 30
text = "Bye."
end = "abandoned"
rating = 1

[[chats.turns]]
id = "held"
role = "customer"
delay = 20
text = "Is this a person?"
next = "wait"

[[chats.turns]]
id = "thanks"
role = "customer"
delay = 5
text = "Thanks!"
next = "wait"

[[chats.turns]]
id = "ai_back"
role = "ai"
delay = 3
confidence = 0.9
text = "Anything else?"

[[chats.turns]]
id = "done"
role = "customer"
delay = 3
text = "No, bye."
end = "ai_resolved"
rating = 5

[[chats.branches]]
on = "take_over"
goto = "held"

[[chats.branches]]
on = "reply"
match = "fixed"
goto = "thanks"

[[chats.branches]]
on = "hand_back"
after = "thanks"
goto = "ai_back"

[[chats.branches]]
on = "resolve"
last_turn = ["thanks"]
said = ["sorry"]
rating = 5
ending = "fixed"

[chats.expect]
window = { opens = "sign", closes = "wait1" }
proactive = true
say = ["sorry", "fixed"]
reply_within_s = 10

[[chats.expect.avoid]]
on = "hand_back"
before = "thanks"
what = "handed back too early"
penalty = 10

[[chats]]
id = "C2"
customer = "Bo"
start = 5

[[chats.turns]]
role = "customer"
text = "Where is my parcel?"

[[chats.turns]]
role = "ai"
delay = 4
confidence = 0.95
text = "Arriving today."

[[chats.turns]]
role = "customer"
delay = 6
text = "Great."
end = "ai_resolved"
rating = 5

[chats.expect]
take_over = false
"""


@pytest.fixture
def scenario(tmp_path: Path) -> tuple[Path, Scenario]:
    p = tmp_path / "player.toml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p, load_scenario(p)


def rehearse(scenario: tuple[Path, Scenario], *actions: Action, db: Path | None = None) -> dict[str, Any]:
    path, sc = scenario
    rt = build_rehearsal(path, scenario=sc, start=START, db=db)
    asyncio.run(play_actions(rt, Actions.model_validate({"actions": list(actions)})))
    return finish(rt, mode="scripted")


def act(do: str, **kw: object) -> Action:
    return Action.model_validate({"do": do, "chat": "C1", **kw})


EXPERT = (
    act("take_over", after="sign", delay=2),
    act("send", delay=3, text="Sorry! I have fixed it on our side."),
    act("resolve", after="thanks", delay=2),
)


def test_nobody_comes(scenario: tuple[Path, Scenario]) -> None:
    res = rehearse(scenario)
    c1, c2 = res["chats"]
    assert c1["timing"] == "missed" and c1["ending"] == "the customer gave up" and c1["rating"] == 1
    assert c2["timing"] == "left" and c2["rating"] == 5 and c2["score"] == 100
    # the abandoned chat earns nothing but the chat left to the AI keeps its points
    assert 0 < res["score"] < 50
    assert any("never took this chat over" in t for t in res["tips"])


def test_expert_run_is_proactive_and_perfect(scenario: tuple[Path, Scenario]) -> None:
    res = rehearse(scenario, *EXPERT)
    c1 = res["chats"][0]
    assert c1["timing"] == "proactive" and c1["takeover_kind"] == "proactive"
    assert c1["takeover_at"] == 17.0  # sign plays at 15 s
    assert c1["said"] == ["sorry", "fixed"] and c1["ending"] == "fixed" and c1["rating"] == 5
    assert c1["mean_reply_latency_s"] == 3.0
    assert res["score"] == 100 and res["refused"] == []
    whats = [e["what"] for e in res["timeline"] if e["chat"] == "C1"]
    assert "Thanks!" in whats and "Hello?" not in whats  # the branch moved the timeline


def test_timing_outcomes(scenario: tuple[Path, Scenario]) -> None:
    early = rehearse(scenario, act("take_over", at=2))
    assert early["chats"][0]["timing"] == "unnecessary"
    window = rehearse(scenario, act("take_over", after="ai2", delay=1))
    assert window["chats"][0]["timing"] == "in_window" and window["chats"][0]["takeover_kind"] == "escalation"
    assert any("waited for the technical trigger" in t for t in window["tips"])
    late = rehearse(scenario, act("take_over", after="wait1", delay=1))
    assert late["chats"][0]["timing"] == "late"
    wrong = rehearse(scenario, Action.model_validate({"do": "take_over", "chat": "C2", "at": 8}))
    assert wrong["chats"][1]["timing"] == "unnecessary"
    pts = [r["breakdown"]["timing"]["points"] for r in (window, late, early)]
    assert pts == sorted(pts, reverse=True) and pts[0] > pts[1] > pts[2]


def test_hand_back_resumes_the_ai(scenario: tuple[Path, Scenario]) -> None:
    res = rehearse(
        scenario,
        act("take_over", after="sign", delay=2),
        act("send", delay=3, text="Sorry, fixed now."),
        act("hand_back", after="thanks", delay=2),
    )
    c1 = res["chats"][0]
    assert c1["ending"] == "the AI resolved it" and c1["rating"] == 5 and c1["mistakes"] == []


def test_the_ai_does_not_resolve_a_chat_the_trainee_holds(scenario: tuple[Path, Scenario]) -> None:
    """'done' (a customer turn that ends the chat as resolved by the AI) plays 3 s after 'ai_back'; taking the
    chat back in between leaves it open for the trainee, whose resolve decides the ending."""
    back = (
        act("take_over", after="sign", delay=2),
        act("send", delay=3, text="Sorry, fixed now."),
        act("hand_back", after="thanks", delay=2),
        act("take_over", after="ai_back", delay=1),
    )
    res = rehearse(scenario, *back, act("resolve", after="done", delay=4))
    c1 = res["chats"][0]
    assert c1["ending"] == "resolved by you" and c1["rating"] == 2  # resolve_rating: no branch fits
    c1_lines = [(e["who"], e["what"]) for e in res["timeline"] if e["chat"] == "C1"]
    assert ("customer", "No, bye.") in c1_lines
    assert ("system", "you hold the chat: it stays open for you to resolve (not the AI)") in c1_lines
    assert not any("the AI resolved it" in what for _, what in c1_lines)
    assert res["refused"] == []
    left = rehearse(scenario, *back)  # nobody resolves: open until the end, not credited to the AI
    assert left["chats"][0]["ending"] == "still open when the rehearsal ended" and left["chats"][0]["rating"] is None


def test_mistake_and_refused_commands(scenario: tuple[Path, Scenario]) -> None:
    res = rehearse(
        scenario,
        act("send", at=1, text="hello"),  # not held: refused by the floor
        act("take_over", after="sign", delay=2),
        act("hand_back", delay=2),  # before the fix: a mistake
        act("take_over", delay=1),
        act("take_over", delay=1),  # already held: refused
    )
    c1 = res["chats"][0]
    assert [m["what"] for m in c1["mistakes"]] == ["handed back too early"]
    assert c1["breakdown"]["penalties"] == 10
    refused = [r["what"] for r in res["refused"]]
    assert len(refused) == 2 and all("refused" in r for r in refused)


def test_player_as_a_source(scenario: tuple[Path, Scenario]) -> None:
    path, sc = scenario
    rt: RehearsalRuntime = build_rehearsal(path, scenario=sc, start=START)
    p = rt.source

    async def go() -> None:
        await p.run_until(START + 16)
        chat = rt.floor.chats["C1"]
        assert [m.text for m in chat.messages][-1] == "Yes. Twice."
        with pytest.raises(CommandRefused):
            await p.resolve("C1", "trainee")
        await p.take_over("C1", "trainee")
        assert chat.status is ChatStatus.HUMAN
        assert "Ana" in await p.brief("C1") and await p.draft("C1")
        await p.run_until(START + 100)
        assert chat.messages[-1].text == "Is this a person?"  # ai2 was held back, the branch played
        await p.hand_back("C1", "trainee")
        await p.run_until(START + 200)

    asyncio.run(go())
    assert rt.floor.chats["C1"].status is ChatStatus.AI  # handed back, with nothing left to play
    res = result(rt)
    assert res["chats"][0]["ending"] == "still open when the rehearsal ended"
    assert rt.floor.chats["C1"].status is ChatStatus.CLOSED


def test_results_are_deterministic(scenario: tuple[Path, Scenario]) -> None:
    a = rehearse(scenario, *EXPERT)
    b = rehearse(scenario, *EXPERT)
    assert a == b


def test_rehearsal_is_logged(scenario: tuple[Path, Scenario], tmp_path: Path) -> None:
    import sqlite_utils

    db = tmp_path / "log.db"
    res = rehearse(scenario, *EXPERT, db=db)
    log = sqlite_utils.Database(db)
    rows = list(log.query("select * from rehearsals"))
    assert len(rows) == 1 and rows[0]["score"] == res["score"] == 100
    assert rows[0]["session_id"] == res["log"]["session"]
    assert rows[0]["mode"] == "scripted" and rows[0]["scenario_title"] == "Player test"
    session = next(iter(log.query("select * from sessions")))
    assert session["source"] == "rehearsal" and session["ended_at"] is not None
    tk = list(log.query("select * from takeovers"))
    assert len(tk) == 1 and tk[0]["kind"] == "proactive" and tk[0]["ending"] == "resolved"
    assert log.execute("select count(*) from chats where status = 'closed'").fetchone()[0] == 2
