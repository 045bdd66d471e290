"""The session log: what the floor's events become in SQLite, durability and bad databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import Role
from hitl_console.errors import StoreError
from hitl_console.store.schema import SCHEMA_VERSION
from hitl_console.store.writer import Store, open_db


def _logged_floor(floor: Floor, path: Path) -> Store:
    store = Store(path)
    store.start_session(source="test", supervisor="mia", seed=1)
    floor.subscribe(store.on_event)
    return store


def test_a_takeover_and_its_outcome_are_logged(floor: Floor, clock: SimClock, tmp_path: Path) -> None:
    db_path = tmp_path / "log.db"
    store = _logged_floor(floor, db_path)
    floor.open_chat("c1", "Ana", "Where is my order?")
    floor.add_message("c1", Role.AI, "Not sure.", confidence=0.1)
    clock.advance(30)
    floor.take_over("c1", "mia")
    # Committed before take_over returned: another connection sees it at once.
    other = sqlite_utils.Database(db_path)
    row = next(other["takeovers"].rows)
    assert row["kind"] == "escalation" and row["trigger"] == "technical" and row["supervisor"] == "mia"
    assert row["wait_s"] == pytest.approx(30.0)
    assert row["confidence_at_takeover"] == pytest.approx(0.1)
    clock.advance(10)
    floor.send_human("c1", "mia", "I have checked: it arrives tomorrow.")
    clock.advance(20)
    floor.resolve("c1", "mia", rating=4)
    row = next(other["takeovers"].rows)
    assert row["human_messages"] == 1
    assert row["reply_latency_s"] == pytest.approx(10.0)
    assert row["ending"] == "resolved" and row["rating"] == 4
    chat = next(other["chats"].rows)
    assert chat["status"] == "closed" and chat["resolved_by"] == "human" and chat["rating"] == 4
    assert chat["duration_s"] == pytest.approx(60.0) and chat["first_trigger"] == "technical"
    roles = [m["role"] for m in other["messages"].rows_where(order_by="id")]
    assert roles == ["customer", "ai", "human"]
    msgs = list(other["messages"].rows_where(order_by="id"))
    assert msgs[0]["frustration"] is not None and msgs[0]["confidence"] is None
    assert msgs[1]["confidence"] == pytest.approx(0.1) and msgs[1]["frustration"] is None
    types = [e["type"] for e in other["events"].rows_where(order_by="id")]
    assert types == ["chat.opened", "message", "message", "chat.escalated", "chat.assigned", "message", "chat.closed"]
    store.end_session()
    store.close()
    assert next(sqlite_utils.Database(db_path)["sessions"].rows)["ended_at"] is not None


def test_hand_back_ends_the_takeover(floor: Floor, tmp_path: Path) -> None:
    store = _logged_floor(floor, tmp_path / "log.db")
    floor.open_chat("c1", "Ana", "Where is my order?")
    floor.take_over("c1", "mia")
    floor.hand_back("c1", "mia")
    row = next(store.db["takeovers"].rows)
    assert row["kind"] == "proactive" and row["trigger"] is None and row["ending"] == "handed_back"
    assert next(store.db["chats"].rows)["status"] == "ai"
    store.close()


def test_log_is_wal_and_migrated(tmp_path: Path) -> None:
    db = open_db(tmp_path / "log.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"sessions", "chats", "messages", "events", "takeovers"} <= set(db.table_names())
    db.conn.close()
    # Opening again applies nothing and keeps the data.
    db = open_db(tmp_path / "log.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_corrupt_and_foreign_databases_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"bad\.db: not a SQLite database or corrupt"):
        Store(bad)
    foreign = tmp_path / "foreign.db"
    sqlite_utils.Database(foreign)["stuff"].insert({"a": 1})
    with pytest.raises(StoreError, match="not a hitl-console log"):
        Store(foreign)
    with pytest.raises(StoreError, match="no such file"):
        open_db(tmp_path / "missing.db", create=False)


def test_unwritable_path_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="log.db: .*file is not a directory"):
        Store(blocker / "log.db")
    missing = tmp_path / "no" / "such" / "dir" / "log.db"
    with pytest.raises(StoreError, match="directory .*dir does not exist"):
        Store(missing)
    assert not (tmp_path / "no").exists()  # a mistyped path creates nothing


def test_locked_database_keeps_the_buffer(floor: Floor, tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    store = _logged_floor(floor, path)
    floor.open_chat("c1", "Ana", "Where is my order?")
    assert store.pending > 0
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    store.db.execute("PRAGMA busy_timeout = 50")
    with pytest.raises(StoreError, match="locked by another process"):
        store.flush()
    pending = store.pending
    assert pending > 0  # nothing dropped
    locker.execute("ROLLBACK")
    locker.close()
    assert store.flush() == pending
    assert store.db["chats"].count == 1
    store.close()
