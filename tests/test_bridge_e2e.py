"""The console against the demo platform over real loopback sockets (127.0.0.1, ephemeral ports)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from test_bridge_support import (
    TOKEN,
    demo,
    fast_settings,
    first_chat,
    make_console,
    mirror_diffs,
    settle,
    streaming,
    wait_for,
)

from hitl_console.bridge.link import BridgeAuthError, CommandFailed, HeldElsewhere, LinkState
from hitl_console.bridge.runtime import build_bridge
from hitl_console.core.engine import CommandRefused
from hitl_console.core.models import ChatStatus, Role
from hitl_console.sources.supervisors import SupervisorPolicy


async def test_the_console_mirrors_the_platform_and_logs_it(tmp_path: Path) -> None:
    async with demo(live=12) as run:
        rt = build_bridge(fast_settings(), run.server.url, token=TOKEN, db=tmp_path / "log.db")
        src = rt.source
        async with streaming(src):
            run.go()
            await wait_for(lambda: rt.floor.closed_count >= 3 and len(rt.floor.chats) >= 12, 10.0)
            await settle(run, src)
            assert mirror_diffs(run.platform, rt.floor) == []
            snap = src.link.snapshot()
            assert snap.events == run.platform.seq and snap.duplicates == 0 and snap.malformed == 0
            assert snap.applied + snap.ignored == snap.events
        rt.close()
    db = sqlite3.connect(tmp_path / "log.db")
    (source,) = db.execute("SELECT source FROM sessions").fetchone()
    assert source == f"bridge {run.server.url}"
    n_chats, n_closed = db.execute("SELECT count(*), sum(status = 'closed') FROM chats").fetchone()
    assert n_chats == len(rt.floor.chats) and n_closed == rt.floor.closed_count
    n_msgs = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert n_msgs == sum(len(c.messages) for c in rt.floor.chats.values())
    states = [json.loads(d)["state"] for (d,) in db.execute("SELECT data FROM events WHERE type = 'bridge.link'")]
    assert states == ["connected", "down"]


async def test_takeover_message_and_resolve_round_trip() -> None:
    async with demo() as run:
        src = make_console(run.server.url)
        async with streaming(src):
            run.go()
            await wait_for(lambda: first_chat(src.floor, ChatStatus.ESCALATED) is not None, 10.0)
            cid = first_chat(src.floor, ChatStatus.ESCALATED)
            assert cid is not None
            tk = await src.take_over(cid, "alice")
            chat = src.floor.chats[cid]
            assert chat.holder == "alice" and tk.kind.value == "escalation"
            theirs = run.platform.chat(cid)
            assert theirs.status is ChatStatus.HUMAN and theirs.holder == "alice"
            msg = await src.send(cid, "alice", "I'm sorry about that. I have fixed it for you and sent a confirmation by email.")
            assert msg.role is Role.HUMAN and msg.author == "alice" and msg is chat.messages[-1]
            # the platform's simulated customer answers the human
            await wait_for(lambda: chat.messages[-1].role is Role.CUSTOMER, 10.0)
            await src.resolve(cid, "alice")
            assert chat.status is ChatStatus.CLOSED and chat.resolved_by is Role.HUMAN
            assert chat.rating is not None and chat.rating == theirs.rating
            with pytest.raises(CommandRefused, match="closed"):
                await src.send(cid, "alice", "hello?")


async def test_two_consoles_never_both_hold_a_chat() -> None:
    async with demo(live=12) as run:
        a, b = make_console(run.server.url), make_console(run.server.url)
        async with streaming(a, b):
            run.go()
            await wait_for(lambda: len(a.floor.live()) >= 8, 10.0)
            await run.halt()  # freeze the floor so that both consoles race on the same chats
            await wait_for(lambda: all(s.link.snapshot().last_event_id == run.last_id for s in (a, b)), 5.0)
            contested = [c.id for c in a.floor.live() if c.status is not ChatStatus.HUMAN][:6]
            assert len(contested) >= 4
            for cid in contested:
                results = await asyncio.gather(
                    a.take_over(cid, "alice"), b.take_over(cid, "bob"), return_exceptions=True
                )
                won = [r for r in results if not isinstance(r, BaseException)]
                lost = [r for r in results if isinstance(r, HeldElsewhere)]
                assert len(won) == 1 and len(lost) == 1, results
                winner = won[0].supervisor
                assert lost[0].holder == winner and winner in str(lost[0])
                def agree(cid: str = cid) -> bool:
                    return b.floor.chats[cid].holder == a.floor.chats[cid].holder

                await wait_for(agree, 3.0)
                assert run.platform.chat(cid).holder == winner
                loser = "bob" if winner == "alice" else "alice"
                with pytest.raises(CommandRefused):
                    await (a if loser == "alice" else b).send(cid, loser, "me too")
            assert mirror_diffs(run.platform, a.floor) == [] and mirror_diffs(run.platform, b.floor) == []


async def test_simulated_supervisors_on_two_consoles_share_one_platform() -> None:
    async with demo(live=10) as run:
        rts = [
            build_bridge(fast_settings(), run.server.url, token=TOKEN, policy=SupervisorPolicy.PROACTIVE,
                         supervisors=2, speed=40.0, name=name)
            for name in ("east", "west")
        ]
        tasks = [asyncio.get_running_loop().create_task(rt.run()) for rt in rts]
        await wait_for(lambda: all(rt.source.link.state is LinkState.CONNECTED for rt in rts), 5.0)
        run.go()
        await wait_for(lambda: sum(rt.tally.takeovers.total() for rt in rts) >= 8, 15.0)
        await run.halt()  # no new platform events; the bots may still be acting on the chats they hold
        await settle(run, *(rt.source for rt in rts))
        # a bot's command can land on the platform between two looks: wait for a moment the mirrors agree
        await wait_for(lambda: all(mirror_diffs(run.platform, rt.floor) == [] for rt in rts), 5.0)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # each console logged every takeover, its own and the other's, under the platform's holder
        holders = {rt.tally.takeovers.total() for rt in rts}
        assert len(holders) == 1
        names = {c.holder for c in run.platform.floor.chats.values() if c.holder}
        assert names <= {"east-sup1", "east-sup2", "west-sup1", "west-sup2"}


async def test_a_bad_token_stops_the_link_with_one_clear_error() -> None:
    async with demo() as run:
        src = make_console(run.server.url, token="wrong")
        with pytest.raises(BridgeAuthError, match="refused the token .401.*--token or HITL_BRIDGE_TOKEN"):
            await asyncio.wait_for(src.run(), 5.0)
        assert src.link.state is LinkState.DOWN
        nobody = make_console(run.server.url, token=None)  # simulate --source as much as connect
        with pytest.raises(BridgeAuthError, match="none was given: give it with --token TOKEN or the HITL_BRIDGE_TOKEN"):
            await asyncio.wait_for(nobody.run(), 5.0)
        await src.aclose()
        await nobody.aclose()


async def test_malformed_and_unknown_events_over_the_wire_are_counted_and_survived() -> None:
    async with demo() as run:
        src = make_console(run.server.url)
        async with streaming(src):
            run.go()
            await wait_for(lambda: len(src.floor.chats) >= 3, 10.0)
            await run.halt()
            cid = next(c.id for c in src.floor.chats.values() if c.status is not ChatStatus.CLOSED)
            p = run.platform
            p.inject("this is not json")
            p.inject(json.dumps({"type": "chat.typing", "chat_id": cid}))
            p.inject(json.dumps({"type": "message", "chat_id": cid, "role": "robot", "text": "x", "sent_at": 1}))
            p.inject(json.dumps({"type": "message", "chat_id": "C99999", "role": "ai", "text": "x", "sent_at": 1}))
            p.inject(json.dumps({"type": "message", "chat_id": cid, "role": "customer",
                                 "text": "line one\nline two \x1b]0;pwned\x07", "sent_at": 1}))
            await wait_for(lambda: src.link.snapshot().last_event_id == run.last_id, 5.0)
            snap = src.link.snapshot()
            assert (snap.malformed, snap.ignored) == (3, 1)
            assert src.link.state is LinkState.CONNECTED
            assert src.floor.chats[cid].messages[-1].text == "line one\nline two ]0;pwned"
            run.go()  # and the stream goes on
            before = snap.applied
            await wait_for(lambda: src.link.snapshot().applied > before + 5, 10.0)


async def test_a_command_the_platform_cannot_get_fails_visibly() -> None:
    async with demo() as run:
        src = make_console(run.server.url, command_tries=2)
        async with streaming(src):
            run.go()
            await wait_for(lambda: first_chat(src.floor, ChatStatus.AI, ChatStatus.ESCALATED) is not None, 10.0)
            cid = first_chat(src.floor, ChatStatus.AI, ChatStatus.ESCALATED)
            assert cid is not None
            await run.server.stop()
            with pytest.raises(CommandFailed, match="nothing changed"):
                await src.take_over(cid, "alice")
            chat = src.floor.chats[cid]
            assert chat.status is not ChatStatus.HUMAN and chat.holder is None
            snap = src.link.snapshot()
            assert snap.commands_failed == 1 and snap.state is LinkState.RECONNECTING
