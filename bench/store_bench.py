"""Store throughput: rows logged per second by the floor's writer (events + messages + chats, batched
transactions, WAL) next to a plain sqlite-utils ``insert_all`` of the same rows, in the same run.

    python bench/store_bench.py [--chats 20000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import sqlite_utils

from hitl_console.core.models import Event, EventType
from hitl_console.store.writer import Store


def events(chats: int) -> list[Event]:
    out: list[Event] = []
    seq = 0
    msg = 0
    for c in range(chats):
        cid = f"c{c}"
        seq += 1
        out.append(Event(seq=seq, type=EventType.CHAT_OPENED, chat_id=cid, at=float(seq),
                         data={"customer": "x", "channel": "chat", "intent": "order_status", "eligible": True,
                               "route_reason": "topic"}))
        for k in range(8):
            seq += 1
            msg += 1
            role = ("customer", "ai")[k % 2]
            out.append(Event(seq=seq, type=EventType.MESSAGE, chat_id=cid, at=float(seq),
                             data={"role": role, "text": f"message {k} about my order #A{c:05d}", "author": None,
                                   "frustration": 0.2 if role == "customer" else None,
                                   "confidence": 0.8 if role == "ai" else None, "risk": 0.3, "level": 0.2,
                                   "msg_seq": msg}))
        seq += 1
        out.append(Event(seq=seq, type=EventType.CHAT_CLOSED, chat_id=cid, at=float(seq),
                         data={"resolved_by": "ai", "rating": 5, "abandoned": False, "duration_s": 40.0,
                               "takeover_id": None, "supervisor": None, "human_messages": None,
                               "first_trigger": None}))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chats", type=int, default=20_000)
    args = ap.parse_args()
    evs = events(args.chats)
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "w.db")
        store.start_session(source="bench")
        t0 = time.perf_counter()
        for ev in evs:
            store.on_event(ev)
        store.flush()
        ours = time.perf_counter() - t0
        rows = store.rows_written
        store.close()

        # Baseline: the same rows (events and messages, chats upserted at the end) with plain insert_all.
        db = sqlite_utils.Database(Path(d) / "b.db")
        db.execute("PRAGMA journal_mode=WAL")
        ev_rows = [{"session_id": 1, "seq": e.seq, "at": e.at, "type": e.type.value, "chat_id": e.chat_id,
                    "data": json.dumps(e.data)} for e in evs]
        msg_rows = [{"session_id": 1, "chat_id": e.chat_id, "seq": e.data["msg_seq"], "at": e.at,
                     "role": e.data["role"], "author": None, "text": e.data["text"],
                     "frustration": e.data["frustration"], "confidence": e.data["confidence"], "risk": 0.3}
                    for e in evs if e.type is EventType.MESSAGE]
        chat_rows = [{"session_id": 1, "chat_id": e.chat_id, "status": "closed", "rating": 5}
                     for e in evs if e.type is EventType.CHAT_CLOSED]
        t0 = time.perf_counter()
        db["events"].insert_all(ev_rows, batch_size=2000)
        db["messages"].insert_all(msg_rows, batch_size=2000)
        db["chats"].insert_all(chat_rows, batch_size=2000, pk=("session_id", "chat_id"))
        base = time.perf_counter() - t0
        base_rows = len(ev_rows) + len(msg_rows) + len(chat_rows)
    print(f"events: {len(evs)}  statements written by the writer: {rows}")
    print(f"writer (durable closes committed at once, the rest batched): {rows / ours:,.0f} rows/s")
    print(f"plain sqlite-utils insert_all of the same rows:            {base_rows / base:,.0f} rows/s")
    print(f"ratio writer / insert_all: {(rows / ours) / (base_rows / base):.2f}x")


if __name__ == "__main__":
    main()
