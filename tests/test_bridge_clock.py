"""Platform times that are wrong for the console: a clock that went back (a restarted platform) and a time
that jumps far ahead. Each chat's times never go back, a takeover never ends before it starts, and every
correction is counted and logged; the demo platform's clock resumes from its journal, never back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from test_bridge_support import CATALOGUE, TOKEN, demo, fast_settings, streaming, wait_for

from hitl_console.bridge.clock import MAX_STEP_S, FollowingClock
from hitl_console.bridge.link import LinkState
from hitl_console.bridge.mirror import RESTARTED
from hitl_console.bridge.platform import DemoPlatform
from hitl_console.bridge.runtime import build_bridge
from hitl_console.bridge.server import DemoServer
from hitl_console.bridge.source import BridgeSource
from hitl_console.bridge.stream import Backoff
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import ChatStatus, Event, EventType

T0 = 1_700_000_000.0


def _console(base: SimClock) -> tuple[BridgeSource, list[Event]]:
    floor = Floor(CATALOGUE, FollowingClock(base))
    notes: list[Event] = []
    floor.subscribe(lambda ev: notes.append(ev) if ev.type.value.startswith("bridge.") else None)
    return BridgeSource(floor, "http://127.0.0.1:9"), notes  # apply() only: no stream


def _send(src: BridgeSource, n: int, **body: Any) -> str:
    return src.apply(f"r-{n}", json.dumps(body))


def test_a_platform_clock_that_went_back_never_moves_a_chat_back() -> None:
    base = SimClock(T0)
    src, notes = _console(base)
    _send(src, 1, type="chat.opened", chat_id="A", customer="Ana", at=T0)
    _send(src, 2, type="chat.opened", chat_id="B", customer="Bo", at=T0)
    _send(src, 3, type="chat.escalated", chat_id="B", trigger="emotional", at=T0 + 10)
    base.advance(5)
    _send(src, 4, type="chat.assigned", chat_id="A", supervisor="ivy", at=T0 + 60)  # a platform at x12
    taken_at = src.floor.chats["A"].takeover.taken_at  # type: ignore[union-attr]
    assert taken_at == T0 + 60
    # the platform restarts and its clock starts again from the wall clock's time: 55 s back
    assert _send(src, 5, type="chat.closed", chat_id="A", resolved_by=None, abandoned=True, at=T0 + 5) == "applied"
    a = src.floor.chats["A"]
    assert a.closed_at == taken_at  # not before the takeover it ends
    assert _send(src, 6, type="chat.assigned", chat_id="B", supervisor="ivy", at=T0 + 6) == "applied"
    b = src.floor.chats["B"]
    assert b.takeover is not None and b.takeover.taken_at == b.trigger_at == T0 + 10  # a wait of 0, not < 0
    assert src.link.clock_fixes == 2
    behind = [n for n in notes if n.type is EventType.BRIDGE_LINK and n.data.get("clock_behind")]
    assert len(behind) == 1  # said once per stream...
    assert behind[0].chat_id == "A" and behind[0].data["behind_s"] == 55.0
    src.mirror.stream_opened()  # ...and again on the next one
    _send(src, 7, type="message", chat_id="B", role="human", text="hi", sent_at=T0 + 1)
    assert b.messages[-1].at == T0 + 10
    assert sum(1 for n in notes if n.data.get("clock_behind")) == 2 and src.link.clock_fixes == 3
    assert src.link.malformed == 0 and src.link.applied == 7


def test_a_time_a_day_ahead_moves_nothing_and_is_logged() -> None:
    base = SimClock(T0)
    src, notes = _console(base)
    _send(src, 1, type="chat.opened", chat_id="A", customer="Ana", at=T0 - 30)
    base.advance(1)
    assert _send(src, 2, type="message", chat_id="A", role="customer", text="later", sent_at=T0 + 86_400) == "applied"
    clock = src.floor.clock
    assert clock.now() == T0 + 1  # the console's clock did not follow
    assert src.floor.chats["A"].messages[-1].at == T0 + 1  # the message is logged at its arrival
    (note,) = [n for n in notes if n.type is EventType.BRIDGE_MALFORMED]
    assert note.data["applied"] is True and "86399 s ahead" in note.data["error"] and note.data["event_id"] == "r-2"
    assert src.link.clock_fixes == 1 and src.link.malformed == 0
    base.advance(1)
    _send(src, 3, type="message", chat_id="A", role="ai", text="ok", sent_at=T0 + 2, confidence=0.9)
    assert src.floor.chats["A"].messages[-1].at == T0 + 2 and clock.now() == T0 + 2  # on time again
    assert src.link.clock_fixes == 1


def test_the_following_clock_believes_steps_and_confirmed_jumps() -> None:
    base = SimClock(T0)
    clock = FollowingClock(base)
    # a demo platform at x10 through a night: it gets 108 hours ahead, by steps
    for _ in range(12 * 3600):
        base.advance(1)
        assert clock.observe(T0 + (base.now() - T0) * 10)
    assert clock.now() == T0 + 12 * 3600 * 10
    # a platform at x100 that was idle for a minute: its first time is a jump, the next one confirms it
    clock = FollowingClock(SimClock(T0))
    assert not clock.observe(T0 + 6000) and clock.now() == T0
    assert clock.observe(T0 + 6003) and clock.now() == T0 + 6003
    # two wrong times that do not agree confirm nothing
    clock = FollowingClock(SimClock(T0))
    assert not clock.observe(T0 + 86_400)
    assert not clock.observe(T0 + 10 * 86_400)
    assert clock.observe(T0 + MAX_STEP_S - 1) and clock.now() == T0 + MAX_STEP_S - 1
    clock.rebase()
    assert clock.now() == T0


def test_a_new_platform_run_closes_without_outcome_and_rebases_the_clock() -> None:
    base = SimClock(T0)
    src, notes = _console(base)
    src.platform_run("one")
    _send(src, 1, type="chat.opened", chat_id="A", customer="Ana", at=T0)
    _send(src, 2, type="chat.assigned", chat_id="A", supervisor="ivy", at=T0 + 200)  # a fast platform
    assert src.floor.clock.now() == T0 + 200
    assert src.platform_run("two") == ["A"]
    a = src.floor.chats["A"]
    assert a.status is ChatStatus.CLOSED and not a.abandoned and a.resolved_by is None
    assert a.closed_at is not None and a.closed_at >= T0 + 200
    closes = [n for n in notes if n.data.get("restarted")]
    assert len(closes) == 1 and "left out of the outcomes" in closes[0].data["error"]
    # the new platform's clock is the wall clock's: its waits are not inflated by the old one's lead
    assert src.floor.clock.now() == T0
    _send(src, 3, type="chat.opened", chat_id="A2", customer="Cy", at=T0)
    _send(src, 4, type="chat.escalated", chat_id="A2", trigger="customer_request", at=T0)
    base.advance(3)
    assert src.floor.chats["A2"].waiting_s(src.floor.clock.now()) == 3.0
    assert src.link.clock_fixes == 0


def test_a_chat_closed_with_an_ending_has_no_outcome() -> None:
    src, _ = _console(SimClock(T0))
    _send(src, 1, type="chat.opened", chat_id="A", customer="Ana", at=T0)
    assert _send(src, 2, type="chat.closed", chat_id="A", resolved_by=None, ending="platform_restarted",
                 abandoned=True, rating=2, at=T0) == "applied"
    a = src.floor.chats["A"]
    assert a.status is ChatStatus.CLOSED and not a.abandoned and a.rating is None and a.resolved_by is None


async def test_the_demo_platform_resumes_its_clock_from_the_journal(tmp_path: Path) -> None:
    journal = tmp_path / "events.jsonl"
    first = DemoPlatform(fast_settings(8), seed=3, speed=10.0, journal=journal)
    t0 = first.sim.clock.now()
    first.sim.start()
    await first.sim.run_until(t0 + 900)  # 15 simulated minutes: far ahead of the wall clock
    open_chats = {first.ext_id(c.id) for c in first.floor.live()}
    last = first.last_at
    first.close()
    assert open_chats and last is not None and last > t0 + 800
    first_customers = [(c.customer, c.messages[0].text) for c in first.floor.chats.values() if c.messages]
    second = DemoPlatform(fast_settings(8), seed=3, speed=10.0, journal=journal)
    assert second.sim.clock.now() >= last  # not back to the wall clock's time
    second.sim.start()
    await second.sim.run_until(second.sim.clock.now() + 120)
    again = [(c.customer, c.messages[0].text) for c in second.floor.chats.values() if c.messages]
    assert again and again != first_customers[: len(again)]  # new customers, not the first run's again
    records = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    closes = [json.loads(r["data"]) for r in records if "data" in r and '"chat.closed"' in r["data"]]
    lost = [c for c in closes if c.get("ending") == RESTARTED]
    assert {c["chat_id"] for c in lost} == open_chats
    assert all(c["resolved_by"] is None and not c.get("abandoned") and c["at"] >= last for c in lost)
    # a console replaying the whole journal never has to correct a time
    src, _ = _console(SimClock(t0))
    for r in records:
        if "data" in r:
            src.apply(r["id"], r["data"])
    assert src.link.clock_fixes == 0 and src.link.malformed == 0
    second.close()


async def test_takeover_then_platform_restart_with_journal_keeps_times_in_order(tmp_path: Path) -> None:
    """The tester's case over loopback: a proactive takeover, the platform stopped and started again on its
    journal; the chat ends after its takeover, and no event of any chat is logged before the one before."""
    db, journal = tmp_path / "log.db", tmp_path / "events.jsonl"
    async with demo(speed=40.0, live=8, journal=journal) as run:
        rt = build_bridge(fast_settings(), run.server.url, token=TOKEN, db=db, backoff=Backoff(0.05, 2.0, 0.3, seed=1))
        src = rt.source
        async with streaming(src):
            run.go()
            await wait_for(lambda: any(c.status is ChatStatus.AI and c.confidence is not None
                                       for c in src.floor.live()), 10.0)
            cid = next(c.id for c in src.floor.live() if c.status is ChatStatus.AI and c.confidence is not None)
            await src.take_over(cid, "ivy")
            await wait_for(lambda: run.platform.sim.clock.now() > src.floor.chats[cid].takeover.taken_at + 30,  # type: ignore[union-attr]
                           10.0)
            await run.halt()
            port = run.server.port
            await run.server.stop()
            run.platform.close()
            await wait_for(lambda: src.link.state is LinkState.RECONNECTING, 5.0)
            run.platform = DemoPlatform(fast_settings(8), seed=3, speed=40.0, journal=journal)
            run.server = DemoServer(run.platform, port=port, token=TOKEN, ping_s=0.5)
            await run.server.start()
            run.go()
            await wait_for(lambda: src.floor.chats[cid].status is ChatStatus.CLOSED, 10.0)
            await wait_for(lambda: src.link.snapshot().events >= run.platform.seq - 2 and
                           any(c.endswith("-2") for c in src.floor.chats), 10.0)
            assert src.link.clock_fixes == 0 and src.link.restarts == 0
        rt.close()
    con = sqlite3.connect(db)
    taken, ended, ending = con.execute(
        "SELECT taken_at, ended_at, ending FROM takeovers WHERE chat_id = ?", (cid,)
    ).fetchone()
    assert ending == RESTARTED and ended >= taken
    (abandoned, duration, opened, closed) = con.execute(
        "SELECT abandoned, duration_s, opened_at, closed_at FROM chats WHERE chat_id = ?", (cid,)
    ).fetchone()
    assert abandoned == 0 and closed >= taken and abs(duration - (closed - opened)) < 0.01
    last: dict[str, float] = {}
    for chat, at in con.execute("SELECT chat_id, at FROM events WHERE chat_id != '' ORDER BY seq"):
        assert at >= last.get(chat, at), chat
        last[chat] = at
    waits = [w for (w,) in con.execute("SELECT wait_s FROM takeovers WHERE wait_s IS NOT NULL")]
    assert all(w >= 0 for w in waits)
