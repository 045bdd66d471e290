"""Store throughput: rows logged per second by the floor's writer (events + messages + chats, batched
transactions, WAL, a commit per closed chat) next to two sqlite-utils ``insert_all`` baselines of the same
rows, in the same run:

- plain: every row in batches of 2,000, fresh tables without indexes, one commit per batch (not durable:
  the writer must commit each close before the command returns, this does not);
- durable: the same durability as the writer (a commit per closed chat, in ``db.atomic()``), into the
  log's real schema (same indexes) with the writer's pragmas (WAL, synchronous=NORMAL).

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
from hitl_console.store.writer import Store, open_db


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
        db.table("events").insert_all(ev_rows, batch_size=2000)
        db.table("messages").insert_all(msg_rows, batch_size=2000)
        db.table("chats").insert_all(chat_rows, batch_size=2000, pk=("session_id", "chat_id"))
        base = time.perf_counter() - t0
        base_rows = len(ev_rows) + len(msg_rows) + len(chat_rows)

        # Durable baseline: the same rows, a transaction per chat committed at its close.
        ddb = open_db(Path(d) / "d.db")
        sid = int(ddb.execute("INSERT INTO sessions (started_at, source) VALUES (0, 'bench')").lastrowid or 0)
        per_chat: dict[str, tuple[list[dict[str, object]], list[dict[str, object]]]] = {}
        for r in ev_rows:
            per_chat.setdefault(str(r["chat_id"]), ([], []))[0].append({**r, "session_id": sid})
        for r in msg_rows:
            per_chat[str(r["chat_id"])][1].append({**r, "session_id": sid})
        t0 = time.perf_counter()
        for cid, (erows, mrows) in per_chat.items():
            with ddb.atomic():
                ddb.table("events").insert_all(erows)
                ddb.table("messages").insert_all(mrows)
                ddb.table("chats").insert_all([{"session_id": sid, "chat_id": cid, "status": "closed", "rating": 5}],
                                        replace=True)
        durable = time.perf_counter() - t0
        ddb.conn.close()
    print(f"events: {len(evs)}  statements written by the writer: {rows}")
    print(f"writer (durable closes committed at once, the rest batched): {rows / ours:,.0f} rows/s")
    print(f"plain sqlite-utils insert_all of the same rows:            {base_rows / base:,.0f} rows/s")
    print(f"insert_all, a commit per closed chat (same durability):    {base_rows / durable:,.0f} rows/s")
    print(f"ratio writer / plain insert_all: {(rows / ours) / (base_rows / base):.2f}x")
    print(f"ratio writer / durable insert_all: {(rows / ours) / (base_rows / durable):.2f}x")


if __name__ == "__main__":
    main()
