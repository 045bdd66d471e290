"""The writer's batching (rows grouped per statement, runs of updates in one executemany) writes exactly
what writing every event on its own writes, and a takeover or a close is on disk when the command returns."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from hitl_console.core.clock import SimClock
from hitl_console.core.engine import CommandRefused, Floor
from hitl_console.core.models import ChatStatus, Role
from hitl_console.store import writer
from hitl_console.store.writer import Store

TABLES = {
    "chats": "chat_id",
    "messages": "seq",
    "events": "seq",
    "takeovers": "takeover_id",
}


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(str(path))
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY {k}").fetchall() for t, k in TABLES.items()}
    finally:
        conn.close()


def _busy_floor(floor: Floor, clock: SimClock, rng: random.Random) -> None:
    texts = ["where is my parcel", "this is useless!!", "ok thanks", "I want a refund", "lawyer now"]
    for i in range(30):  # a long stretch without a takeover or a close: many rows in one transaction
        floor.open_chat(f"q{i}", f"Quiet {i}", rng.choice(texts))
        floor.add_message(f"q{i}", Role.AI, "Here is the answer.", confidence=0.9)
    for i in range(40):
        cid = f"c{i}"
        floor.open_chat(cid, f"Cust {i}", rng.choice(texts))
        for _ in range(rng.randint(0, 6)):
            clock.advance(rng.uniform(0.5, 5.0))
            chat = floor.chats[cid]
            try:
                r = rng.random()
                if chat.status is ChatStatus.HUMAN:
                    if r < 0.5:
                        floor.send_human(cid, "mia", "I am on it.")
                    elif r < 0.7:
                        floor.hand_back(cid, "mia")
                    else:
                        floor.resolve(cid, "mia", rating=rng.randint(1, 5))
                elif r < 0.3:
                    floor.add_message(cid, Role.CUSTOMER, rng.choice(texts))
                elif r < 0.6:
                    floor.add_message(cid, Role.AI, "Here is the answer.", confidence=rng.uniform(0.2, 1.0))
                elif r < 0.8:
                    floor.take_over(cid, "mia")
                else:
                    floor.close(cid, Role.AI, rating=rng.choice([None, 4, 5]), abandoned=r > 0.95)
            except CommandRefused:
                pass


@pytest.mark.parametrize("per_insert", [1, 3, 32])
def test_batched_writes_equal_one_event_at_a_time(
    floor: Floor, clock: SimClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_insert: int
) -> None:
    monkeypatch.setattr(writer, "ROWS_PER_INSERT", per_insert)  # rows per multi-row INSERT
    one, many = Store(tmp_path / "one.db", batch=1), Store(tmp_path / "many.db", batch=500)
    durable: list[tuple[str, int]] = []

    def check_durable(ev: object) -> None:  # subscribed after the stores: runs once they have written
        t = ev.type.value  # type: ignore[attr-defined]
        if t in ("chat.assigned", "chat.released", "chat.closed"):
            assert many.pending == 0
            durable.append((t, ev.seq))  # type: ignore[attr-defined]

    for s in (one, many):
        s.start_session(source="test", supervisor="mia", started_at=0.0)
        floor.subscribe(s.on_event)
    floor.subscribe(check_durable)
    _busy_floor(floor, clock, random.Random(3))
    for s in (one, many):
        s.close()
    a, b = _dump(tmp_path / "one.db"), _dump(tmp_path / "many.db")
    assert a == b
    assert len(a["events"]) == floor._seq and a["takeovers"] and durable
    assert {r[0] for r in durable} == {"chat.assigned", "chat.released", "chat.closed"}
