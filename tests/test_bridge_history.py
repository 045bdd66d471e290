"""History the console did not see: a platform that restarts without its journal, and chats already under
way when the console connects (over real loopback sockets)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from test_bridge_support import (
    TOKEN,
    demo,
    fast_settings,
    make_console,
    mirror_diffs,
    settle,
    streaming,
    wait_for,
)

from hitl_console.bridge.clock import FollowingClock
from hitl_console.bridge.link import LinkState
from hitl_console.bridge.platform import DemoPlatform
from hitl_console.bridge.runtime import build_bridge
from hitl_console.bridge.server import DemoServer
from hitl_console.bridge.stream import Backoff
from hitl_console.core.clock import SimClock
from hitl_console.core.models import ChatStatus, Event, EventType


def test_without_a_journal_each_run_has_chat_ids_of_its_own() -> None:
    a = DemoPlatform(fast_settings(), seed=3)
    b = DemoPlatform(fast_settings(), seed=3)  # the same shop, restarted: the same simulator ids
    assert a.epoch != b.epoch
    assert a.ext_id("C00003") != b.ext_id("C00003")
    assert a.ext_id("C00003").startswith("C00003-")


async def test_platform_restarted_without_journal_closes_the_lost_chats(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    async with demo(live=10) as run:
        rt = build_bridge(fast_settings(), run.server.url, token=TOKEN, db=db, backoff=Backoff(0.05, 2.0, 0.3, seed=1))
        src = rt.source
        async with streaming(src):
            run.go()
            await wait_for(lambda: len(src.floor.live()) >= 8 and src.floor.closed_count >= 2, 10.0)
            await settle(run, src)
            port, first_run = run.server.port, src.run_id
            await run.server.stop()  # the process dies with its history: no journal
            run.platform.close()
            lost = {c.id for c in src.floor.live()}
            await wait_for(lambda: src.link.state is LinkState.RECONNECTING, 5.0)
            # a new process, same seed (so the simulator's ids repeat), same port
            run.platform = DemoPlatform(fast_settings(10), seed=3, speed=40.0)
            run.server = DemoServer(run.platform, port=port, token=TOKEN, ping_s=0.5)
            await run.server.start()
            run.go()
            await wait_for(lambda: src.link.state is LinkState.CONNECTED, 5.0)
            await wait_for(lambda: len(src.floor.live()) >= 8 and src.link.snapshot().events >= 150, 10.0)
            await settle(run, src)
            snap = src.link.snapshot()
            assert src.run_id == run.platform.epoch != first_run and snap.restarts == 1
            assert snap.malformed == 0, "an event of the new platform was applied to an old chat"
            for cid in lost:  # nothing of the old platform left on the floor, and no outcome made up
                chat = src.floor.chats[cid]
                assert chat.status is ChatStatus.CLOSED and not chat.abandoned and chat.resolved_by is None
            new_ids = {run.platform.ext_id(s) for s in run.platform.floor.chats}
            assert new_ids and not new_ids & lost
            assert mirror_diffs(run.platform, src.floor) == []
        rt.close()
    con = sqlite3.connect(db)
    notes = [json.loads(d) for (d,) in con.execute("SELECT data FROM events WHERE type = 'bridge.link'")]
    (restart,) = [n for n in notes if n.get("restarted")]
    assert restart["previous_run"] == first_run and restart["chats_closed"] == len(lost)
    assert "restarted without its history" in restart["error"]
    endings = {
        cid: json.loads(d).get("ending")
        for cid, d in con.execute("SELECT chat_id, data FROM events WHERE type = 'chat.closed'")
    }
    assert {cid for cid, e in endings.items() if e == "platform_restarted"} == lost
    n_chats = con.execute("SELECT count(*) FROM chats").fetchone()[0]
    assert n_chats == len(src.floor.chats)  # no chat row merged into another


async def test_a_chat_under_way_before_the_console_connects_keeps_its_times(tmp_path: Path) -> None:
    theirs: dict[str, dict[str, Any]] = {}
    async with demo(live=10) as run:
        platform = run.platform

        def record(ev: Event) -> None:
            if ev.type is EventType.CHAT_CLOSED:
                theirs[platform.ext_id(ev.chat_id)] = dict(ev.data)

        platform.floor.subscribe(record)
        start = platform.sim.clock.now()
        run.go()
        # well into the run: the open chats have a history of tens of simulated seconds
        await wait_for(lambda: platform.sim.clock.now() - start > 60, 10.0)
        before = {platform.ext_id(c.id): c.opened_at for c in platform.floor.live()}
        # the shop runs 40 times faster than real time: the console's clock follows the platform's
        rt = build_bridge(fast_settings(), run.server.url, token=TOKEN, db=tmp_path / "log.db")
        src = rt.source
        mine: dict[str, dict[str, Any]] = {}

        def mirror(ev: Event) -> None:
            if ev.type is EventType.CHAT_CLOSED:
                mine[ev.chat_id] = dict(ev.data)

        src.floor.subscribe(mirror)
        async with streaming(src):
            await wait_for(lambda: sum(1 for c in before if c in mine) >= 3, 15.0)
        rt.close()
    closed = [c for c in before if c in mine]
    for cid in closed:
        assert src.floor.chats[cid].opened_at == round(before[cid], 3)
        assert abs(mine[cid]["duration_s"] - theirs[cid]["duration_s"]) <= 0.002, cid
    assert max(theirs[c]["duration_s"] for c in closed) > 10  # a real history, not a replay's split second
    con = sqlite3.connect(tmp_path / "log.db")
    for cid in closed:
        (logged,) = con.execute("SELECT duration_s FROM chats WHERE chat_id = ?", (cid,)).fetchone()
        assert abs(logged - theirs[cid]["duration_s"]) <= 0.002


def test_platform_times_are_kept_but_never_later_than_arrival() -> None:
    src = make_console("http://127.0.0.1:9")  # apply() only: no stream
    t0 = src.floor.clock.now()
    src.apply("x-1", json.dumps({"type": "chat.opened", "chat_id": "Z1", "customer": "Ana"}))
    src.apply("x-2", json.dumps({"type": "chat.opened", "chat_id": "Z2", "customer": "Bo", "at": t0 - 100}))
    src.apply("x-3", json.dumps({"type": "chat.closed", "chat_id": "Z2", "resolved_by": "ai", "at": t0 + 1e6}))
    assert src.floor.chats["Z1"].opened_at >= t0  # no platform time: on arrival
    assert src.floor.chats["Z2"].opened_at == t0 - 100  # replayed history keeps its time
    closed_at = src.floor.chats["Z2"].closed_at
    assert closed_at is not None and t0 <= closed_at <= src.floor.clock.now()  # a clock ahead: clamped
    msg = {"type": "message", "chat_id": "Z1", "role": "customer", "text": "hi", "sent_at": 5.0}
    src.apply("x-4", json.dumps(msg))  # a time before the chat's opening: at the opening
    assert src.floor.chats["Z1"].messages[-1].at == src.floor.chats["Z1"].opened_at


def test_the_following_clock_moves_to_a_platform_ahead_and_never_back() -> None:
    base = SimClock(1000.0)
    clock = FollowingClock(base)
    assert clock.observe(990.0) and clock.now() == 1000.0  # a platform behind: this clock stays
    assert clock.observe(1030.0) and clock.now() == 1030.0  # ahead: followed
    base.advance(5)
    assert clock.observe(1000.0) and clock.now() == 1035.0  # an older time moves nothing back
    assert not clock.observe(1e15) and clock.now() == 1035.0  # an absurd time is not believed
