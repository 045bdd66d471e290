"""The platform goes away mid-stream and comes back: the console reconnects, resumes from its last event
id, loses nothing and applies nothing twice."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from test_bridge_support import TOKEN, demo, make_console, mirror_diffs, settle, streaming, wait_for

from hitl_console.bridge.link import LinkState
from hitl_console.bridge.server import DemoServer
from hitl_console.bridge.source import BridgeSource
from hitl_console.core.models import ChatStatus


async def test_server_restart_mid_stream_with_resent_events() -> None:
    # overlap=5: on a resumption the platform resends the 5 events before Last-Event-ID (at-least-once)
    async with demo(live=12, overlap=5) as run:
        src = make_console(run.server.url)
        async with streaming(src):
            run.go()
            await wait_for(lambda: src.link.snapshot().events >= 60, 10.0)
            port = run.server.port
            await run.server.stop()  # every connection dropped at once; the shop goes on meanwhile
            await wait_for(lambda: src.link.state is LinkState.RECONNECTING, 5.0)
            seen_at_drop = src.link.snapshot().events
            await wait_for(lambda: run.platform.seq >= seen_at_drop + 30, 10.0)
            run.server = DemoServer(run.platform, port=port, token=TOKEN, ping_s=0.5)
            await run.server.start()
            await wait_for(lambda: src.link.state is LinkState.CONNECTED, 5.0)
            await settle(run, src)
            snap = src.link.snapshot()
            assert snap.reconnects == 1
            assert snap.duplicates == 5  # the resent ones, dropped
            assert snap.events == run.platform.seq  # every id exactly once
            assert snap.malformed == 0 and snap.applied + snap.ignored == snap.events
            assert mirror_diffs(run.platform, src.floor) == []


async def _spawn(journal: Path, port: int) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hitl_console", "demo-platform", "--port", str(port), "--token", TOKEN,
        "--speed", "40", "--live", "10", "--seed", "5", "--journal", str(journal),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30.0)).decode()
    m = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert m, line
    return proc, m.group(0)


def _journal(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "id" in rec:
            out.append((rec["id"], rec["data"]))
    return out


async def test_platform_process_killed_and_restarted(tmp_path: Path) -> None:
    journal = tmp_path / "events.jsonl"
    proc, url = await _spawn(journal, 0)
    port = int(url.rsplit(":", 1)[1])
    src = make_console(url)
    try:
        async with streaming(src):
            await wait_for(lambda: src.link.snapshot().events >= 80, 20.0)
            proc.kill()  # SIGKILL: no goodbye, no flush beyond what is already written
            await proc.wait()
            await wait_for(lambda: src.link.state is LinkState.RECONNECTING, 5.0)
            open_at_kill = {c.id for c in src.floor.live()}
            before = src.link.snapshot().events
            proc, url2 = await _spawn(journal, port)
            assert url2 == url
            await wait_for(lambda: src.link.state is LinkState.CONNECTED, 10.0)
            await wait_for(lambda: src.link.snapshot().events >= before + 40, 20.0)
            proc.kill()
            await proc.wait()
            await wait_for(lambda: src.link.state is LinkState.RECONNECTING, 5.0)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    events = _journal(journal)
    ids = [eid for eid, _ in events]
    assert len(ids) == len(set(ids)), "the platform reused an event id"
    snap = src.link.snapshot()
    assert snap.last_event_id in ids
    prefix = events[: ids.index(snap.last_event_id) + 1]
    # nothing lost, nothing twice: the console received exactly the journal's events up to its last id...
    assert snap.events == len(prefix) and snap.malformed == 0
    # ...and its floor is what a fresh console gets by replaying that prefix once, offline
    replay = make_console(url)
    for eid, data in prefix:
        replay.apply(eid, data)
    assert {c: (x.status, x.holder, len(x.messages)) for c, x in replay.floor.chats.items()} == {
        c: (x.status, x.holder, len(x.messages)) for c, x in src.floor.chats.items()
    }
    # the chats that were open when the platform died were closed without an outcome (not abandoned by
    # their customers); new chats have new ids
    for cid in open_at_kill:
        chat = src.floor.chats[cid]
        assert chat.status is ChatStatus.CLOSED and not chat.abandoned and chat.resolved_by is None
    assert any(c.endswith("-2") for c in src.floor.chats)
    await _close(src, replay)


async def _close(*sources: BridgeSource) -> None:
    for s in sources:
        await s.aclose()
