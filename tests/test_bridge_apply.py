"""How a bridged event changes the floor (no network): each id once, the platform's status, no local
triggers, malformed and unknown events logged and counted, never fatal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_bridge_support import CATALOGUE

from hitl_console.bridge.source import BridgeSource
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import ChatStatus, Role, TakeoverKind, Trigger
from hitl_console.store.writer import Store


def console() -> BridgeSource:
    return BridgeSource(Floor(CATALOGUE, SimClock(1000.0)), "http://127.0.0.1:9")


def send(src: BridgeSource, eid: str, **body: object) -> str:
    return src.apply(eid, json.dumps(body))


def test_a_chat_follows_the_platform_through_its_life() -> None:
    src = console()
    floor = src.floor
    assert send(src, "1", type="chat.opened", chat_id="C1", customer="Ana", eligible=True) == "applied"
    chat = floor.chats["C1"]
    assert chat.status is ChatStatus.AI and chat.route_reason == "given by the source"
    send(src, "2", type="message", chat_id="C1", role="customer", text="Where is my parcel??", sent_at=1)
    send(src, "3", type="message", chat_id="C1", role="ai", text="It ships today.", confidence=0.31, sent_at=2)
    # low confidence and a frustrated customer: the console scores, but only the platform escalates
    assert chat.status is ChatStatus.AI
    assert chat.confidence == 0.31 and chat.messages[0].frustration is not None
    send(src, "4", type="chat.escalated", chat_id="C1", trigger="technical", reason="low confidence")
    assert chat.status is ChatStatus.ESCALATED and chat.trigger is Trigger.TECHNICAL
    send(src, "5", type="chat.assigned", chat_id="C1", supervisor="bo")
    assert chat.status is ChatStatus.HUMAN and chat.holder == "bo"
    assert chat.takeover is not None and chat.takeover.kind is TakeoverKind.ESCALATION
    send(src, "6", type="message", chat_id="C1", role="human", text="I'm on it.", sent_at=3)
    assert chat.messages[-1].author == "bo" and chat.takeover.human_messages == 1
    send(src, "7", type="chat.released", chat_id="C1")
    assert chat.status is ChatStatus.AI and chat.holder is None
    send(src, "8", type="chat.assigned", chat_id="C1", supervisor="cy")
    assert floor.chats["C1"].takeover is not None and floor.chats["C1"].takeover.kind is TakeoverKind.PROACTIVE
    send(src, "9", type="chat.closed", chat_id="C1", resolved_by="human", rating=4)
    assert chat.status is ChatStatus.CLOSED and chat.resolved_by is Role.HUMAN and chat.rating == 4
    snap = src.link.snapshot()
    assert (snap.events, snap.applied, snap.duplicates, snap.malformed) == (9, 9, 0, 0)
    assert snap.last_event_id == "9"


def test_no_local_trigger_fires_not_even_ineligible() -> None:
    src = console()
    send(src, "1", type="chat.opened", chat_id="C1", customer="Ana", eligible=False,
         text="I want to talk to a real person NOW, this is useless")
    chat = src.floor.chats["C1"]
    assert chat.status is ChatStatus.AI and not chat.eligible and len(chat.messages) == 1
    send(src, "2", type="chat.escalated", chat_id="C1", trigger="ineligible")
    assert chat.status is ChatStatus.ESCALATED and chat.trigger is Trigger.INELIGIBLE


def test_without_intent_the_console_routes_for_display() -> None:
    src = console()
    send(src, "1", type="chat.opened", chat_id="C1", customer="Ana", text="I want a refund for my order")
    chat = src.floor.chats["C1"]
    assert chat.intent is not None and chat.route_reason != "given by the source"


def test_a_repeated_id_is_applied_once() -> None:
    src = console()
    send(src, "a", type="chat.opened", chat_id="C1", customer="Ana")
    msg = {"type": "message", "chat_id": "C1", "role": "customer", "text": "hello?", "sent_at": 1}
    for _ in range(3):
        src.apply("b", json.dumps(msg))
    assert len(src.floor.chats["C1"].messages) == 1
    assert send(src, "a", type="chat.opened", chat_id="C1", customer="Ana") == "duplicate"
    snap = src.link.snapshot()
    assert (snap.events, snap.applied, snap.duplicates, snap.malformed) == (2, 2, 3, 0)


def test_an_event_without_an_id_of_its_own_is_malformed_not_dropped_silently() -> None:
    src = console()
    send(src, "1", type="chat.opened", chat_id="C1", customer="Ana")
    # SSE carries the last id over to an event without an id line: same id, different body
    assert send(src, "1", type="chat.closed", chat_id="C1", resolved_by="ai") == "malformed"
    assert src.apply("", json.dumps({"type": "chat.released", "chat_id": "C1"})) == "malformed"
    assert src.floor.chats["C1"].status is ChatStatus.AI
    assert src.link.snapshot().malformed == 2


def test_bad_and_unknown_events_are_counted_logged_and_not_fatal(tmp_path: Path) -> None:
    src = console()
    store = Store(tmp_path / "log.db")
    store.start_session(source="bridge test")
    src.floor.subscribe(store.on_event)
    results = [
        src.apply("1", "{not json"),
        send(src, "2", type="message", chat_id="nope", role="ai", text="x", sent_at=1),
        send(src, "3", type="chat.typing", chat_id="C1"),
        send(src, "4", type="chat.opened", chat_id="C1", customer="Ana"),
        send(src, "5", type="chat.opened", chat_id="C1", customer="Ana again"),
        send(src, "6", type="message", chat_id="C1", role="robot", text="beep", sent_at=1),
        send(src, "7", type="message", chat_id="C1", role="customer", text="still \x1b[2Jhere", sent_at=1),
    ]
    assert results == ["malformed", "malformed", "ignored", "applied", "malformed", "malformed", "applied"]
    snap = src.link.snapshot()
    assert (snap.events, snap.applied, snap.malformed, snap.ignored) == (7, 2, 4, 1)
    store.close()
    db = sqlite3.connect(tmp_path / "log.db")
    rows = db.execute("SELECT chat_id, data FROM events WHERE type = 'bridge.malformed' ORDER BY id").fetchall()
    assert len(rows) == 4
    reasons = [json.loads(d)["error"] for _, d in rows]
    assert "not JSON" in reasons[0] and "no chat nope" in reasons[1] and "already open" in reasons[2]
    assert rows[3][0] == "C1" and "role" in reasons[3]
    texts = [t for (t,) in db.execute("SELECT text FROM messages")]
    assert texts == ["still [2Jhere"]


def test_a_reassignment_on_the_platform_moves_the_chat() -> None:
    src = console()
    send(src, "1", type="chat.opened", chat_id="C1", customer="Ana")
    send(src, "2", type="chat.assigned", chat_id="C1", supervisor="bo")
    send(src, "3", type="chat.assigned", chat_id="C1", supervisor="bo")  # a new id saying the same: no-op
    assert src.floor.chats["C1"].takeovers == 1
    send(src, "4", type="chat.assigned", chat_id="C1", supervisor="cy")
    chat = src.floor.chats["C1"]
    assert chat.holder == "cy" and chat.takeovers == 2
