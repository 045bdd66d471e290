"""The one writer of the session log: floor events in, batched transactions out.

Events are buffered and written in order; a takeover, a hand-back and a close are committed before the
floor's command returns (the writer is the floor's first subscriber). A failed write keeps the buffer,
so nothing already reported is lost, and raises :class:`~hitl_console.errors.StoreError` naming the file.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlite_utils

from hitl_console.core.models import Event, EventType
from hitl_console.errors import StoreError
from hitl_console.store.schema import EXPECTED_TABLES, SCHEMA_VERSION, migrate

DURABLE = frozenset({EventType.CHAT_ASSIGNED, EventType.CHAT_RELEASED, EventType.CHAT_CLOSED})

_INSERT_EVENT = "INSERT INTO events (session_id, seq, at, type, chat_id, data) VALUES (?, ?, ?, ?, ?, ?)"
_INSERT_MESSAGE = (
    "INSERT INTO messages (session_id, chat_id, seq, at, role, author, text, frustration, confidence, risk,"
    " input_tokens, output_tokens, latency_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_CHAT = (
    "INSERT OR REPLACE INTO chats (session_id, chat_id, customer, channel, intent, eligible, route_reason,"
    " opened_at, status, takeovers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ai', 0)"
)
_ESCALATE_CHAT = (
    "UPDATE chats SET status = 'escalated', first_trigger = coalesce(first_trigger, ?)"
    " WHERE session_id = ? AND chat_id = ?"
)
_ASSIGN_CHAT = (
    "UPDATE chats SET status = 'human', takeovers = takeovers + 1 WHERE session_id = ? AND chat_id = ?"
)
_RELEASE_CHAT = "UPDATE chats SET status = ? WHERE session_id = ? AND chat_id = ?"
_CLOSE_CHAT = (
    "UPDATE chats SET status = 'closed', closed_at = ?, resolved_by = ?, rating = ?, abandoned = ?,"
    " duration_s = ? WHERE session_id = ? AND chat_id = ?"
)
_INSERT_TAKEOVER = (
    "INSERT INTO takeovers (session_id, takeover_id, chat_id, supervisor, kind, trigger, trigger_at, taken_at,"
    " wait_s, frustration_at_takeover, confidence_at_takeover, risk_at_takeover, human_messages)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)
_COUNT_HUMAN = (
    "UPDATE takeovers SET human_messages = human_messages + 1,"
    " first_reply_at = coalesce(first_reply_at, ?),"
    " reply_latency_s = coalesce(reply_latency_s, ? - taken_at)"
    " WHERE session_id = ? AND takeover_id = ?"
)
_END_TAKEOVER = (
    "UPDATE takeovers SET ended_at = ?, ending = ?, rating = ? WHERE session_id = ? AND takeover_id = ?"
)


def _tokens(usage: Any) -> tuple[int | None, int | None]:
    """(input_tokens, output_tokens) of a message's usage; input counts cache reads and writes too."""
    if not isinstance(usage, dict) or not usage:
        return None, None
    inp = sum(int(usage.get(k) or 0) for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    return inp, int(usage.get("output_tokens") or 0)


ROWS_PER_INSERT = 32  # rows written by one multi-row INSERT statement (fewer statement steps per row)


def _multi_row(sql: str, n: int) -> str:
    """The INSERT statement ``sql`` for ``n`` rows: its VALUES tuple repeated."""
    head, values = sql.split(" VALUES ")
    return head + " VALUES " + ",".join([values] * n)


def _write_rows(conn: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert the rows in order (rowids as with one row at a time), ``ROWS_PER_INSERT`` per statement."""
    n = ROWS_PER_INSERT
    full = len(rows) // n * n if n > 1 else 0
    if full:
        conn.executemany(
            _multi_row(sql, n), [tuple(itertools.chain.from_iterable(rows[i : i + n])) for i in range(0, full, n)]
        )
    if full < len(rows):
        conn.executemany(sql, rows[full:])


_dumps = orjson.dumps  # ~8x faster than json.dumps on event data: the writer's hot path


def open_db(path: Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open (and create or migrate) a session log. Errors are one line naming the file."""
    path = Path(path)
    if not create and not path.exists():
        raise StoreError(f"session log {path}: no such file")
    try:
        if create:
            _check_parent(path)
        conn = sqlite3.connect(str(path), timeout=2.0, isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        db.execute("PRAGMA synchronous=NORMAL")
        # The writer's hot path: index pages stay cached (16 MB instead of 2 MB) and the WAL is copied back
        # into the database every 40 MB instead of every 4 MB. Commits (and so durability) are unchanged.
        db.execute("PRAGMA cache_size=-16000")
        db.execute("PRAGMA wal_autocheckpoint=10000")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"session log {path}: schema version {version} is newer than this console's")
        if version == 0 and db.table_names() and not set(EXPECTED_TABLES) <= set(db.table_names()):
            raise StoreError(f"session log {path}: not a hitl-console log (it has other tables)")
        if create:
            migrate(db)
        elif version == 0:
            raise StoreError(f"session log {path}: not a hitl-console log")
        if mode.lower() != "wal" and create:
            raise StoreError(f"session log {path}: cannot switch to WAL mode")
        return db
    except sqlite3.DatabaseError as e:
        raise StoreError(f"session log {path}: {_explain(e)}") from None
    except OSError as e:
        raise StoreError(f"session log {path}: {e.strerror or e}") from None


def _check_parent(path: Path) -> None:
    """The default log's directory is created; a directory the user named must exist."""
    from hitl_console.paths import default_db

    parent = path.parent
    if parent.is_dir():
        return
    if parent.exists():
        raise StoreError(f"session log {path}: {parent} is not a directory")
    if path.resolve() == default_db().resolve():
        parent.mkdir(parents=True, exist_ok=True)
        return
    raise StoreError(f"session log {path}: directory {parent} does not exist")


def _explain(e: sqlite3.Error) -> str:
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        return "locked by another process (is another console writing to it?)"
    if "not a database" in msg or "malformed" in msg:
        return "not a SQLite database or corrupt"
    if "readonly" in msg or "unable to open" in msg:
        return "cannot be written (check the path and its permissions)"
    return msg


class Store:
    """Subscribe :meth:`on_event` to a floor; call :meth:`flush` on a timer and :meth:`close` at the end."""

    def __init__(self, path: Path, *, batch: int = 2000) -> None:
        self.path = Path(path)
        self.db = open_db(self.path)
        self.batch = batch
        self.session_id: int | None = None
        # Buffered statements: the rows of each insert (events and messages first), then the updates in order.
        self._events: list[tuple[Any, ...]] = []
        self._messages: list[tuple[Any, ...]] = []
        self._inserts: dict[str, list[tuple[Any, ...]]] = {_INSERT_EVENT: self._events, _INSERT_MESSAGE: self._messages}
        self._updates: list[tuple[str, tuple[Any, ...]]] = []
        self._pending = 0
        self.rows_written = 0

    # -- sessions ---------------------------------------------------------------------------------
    def start_session(
        self,
        *,
        source: str,
        supervisor: str | None = None,
        agent: str | None = None,
        seed: int | None = None,
        config: dict[str, Any] | None = None,
        started_at: float | None = None,
    ) -> int:
        with self._writing():
            cur = self.db.execute(
                "INSERT INTO sessions (started_at, source, supervisor, agent, seed, config) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    time.time() if started_at is None else started_at,
                    source,
                    supervisor,
                    agent,
                    seed,
                    json.dumps(config or {}, sort_keys=True),
                ],
            )
        self.session_id = int(cur.lastrowid or 0)
        return self.session_id

    def end_session(self, ended_at: float | None = None) -> None:
        self.flush()
        if self.session_id is not None:
            with self._writing():
                self.db.execute(
                    "UPDATE sessions SET ended_at = ? WHERE id = ?",
                    [time.time() if ended_at is None else ended_at, self.session_id],
                )

    # -- events -----------------------------------------------------------------------------------
    def on_event(self, ev: Event) -> None:
        sid = self.session_id
        if sid is None:
            raise StoreError(f"session log {self.path}: no session started")
        d = ev.data
        t = ev.type
        cid = ev.chat_id
        at = ev.at
        self._events.append((sid, ev.seq, at, str(t), cid, _dumps(d).decode()))  # str(): the value
        self._pending += 1
        if t is EventType.MESSAGE:
            usage = d.get("usage")
            inp, out = _tokens(usage) if usage else (None, None)
            role = d["role"]
            self._messages.append(
                (
                    sid,
                    cid,
                    d["msg_seq"],
                    at,
                    role,
                    d.get("author"),
                    d["text"],
                    d.get("frustration"),
                    d.get("confidence"),
                    d.get("risk"),
                    inp,
                    out,
                    d.get("latency_s"),
                )
            )
            self._pending += 1
            if role == "human" and d.get("takeover_id") is not None:
                self._update(_COUNT_HUMAN, (at, at, sid, d["takeover_id"]))
        elif t is EventType.CHAT_OPENED:
            self._insert(
                _INSERT_CHAT,
                (
                    sid,
                    cid,
                    d.get("customer"),
                    d.get("channel"),
                    d.get("intent"),
                    int(bool(d.get("eligible", True))),
                    d.get("route_reason"),
                    at,
                ),
            )
        elif t is EventType.CHAT_ESCALATED:
            self._update(_ESCALATE_CHAT, (d["trigger"], sid, cid))
        elif t is EventType.CHAT_ASSIGNED:
            self._update(_ASSIGN_CHAT, (sid, cid))
            self._insert(
                _INSERT_TAKEOVER,
                (
                    sid,
                    d["takeover_id"],
                    cid,
                    d["supervisor"],
                    d["kind"],
                    d.get("trigger"),
                    d.get("trigger_at"),
                    at,
                    d.get("wait_s"),
                    d.get("frustration"),
                    d.get("confidence"),
                    d.get("risk"),
                ),
            )
        elif t is EventType.CHAT_RELEASED:
            self._update(_RELEASE_CHAT, ("escalated" if d.get("to") == "queue" else "ai", sid, cid))
            self._update(_END_TAKEOVER, (at, "handed_back", None, sid, d["takeover_id"]))
        elif t is EventType.CHAT_CLOSED:
            self._update(
                _CLOSE_CHAT,
                (
                    at,
                    d.get("resolved_by"),
                    d.get("rating"),
                    int(bool(d.get("abandoned"))),
                    d.get("duration_s"),
                    sid,
                    cid,
                ),
            )
            if d.get("takeover_id") is not None:
                ending = d.get("ending") or ("abandoned" if d.get("abandoned") else "resolved")
                self._update(_END_TAKEOVER, (at, ending, d.get("rating"), sid, d["takeover_id"]))
        if t in DURABLE or self._pending >= self.batch:
            self.flush()

    def _insert(self, sql: str, params: tuple[Any, ...]) -> None:
        rows = self._inserts.get(sql)
        if rows is None:
            rows = self._inserts[sql] = []
        rows.append(params)
        self._pending += 1

    def _update(self, sql: str, params: tuple[Any, ...]) -> None:
        self._updates.append((sql, params))
        self._pending += 1

    def flush(self) -> int:
        """Write everything buffered in one transaction. Returns the number of statements written.

        Inserts go first, each statement's rows in one ``executemany`` (every update refers to a row
        inserted earlier, in this batch or before); updates follow in their original order.
        """
        if not self._pending:
            return 0
        with self._writing():
            conn = self.db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in self._inserts.items():
                    if rows:
                        _write_rows(conn, sql, rows)
                updates = self._updates
                i, n = 0, len(updates)
                while i < n:  # runs of the same statement in one executemany, order kept
                    sql = updates[i][0]
                    j = i + 1
                    while j < n and updates[j][0] == sql:
                        j += 1
                    if j - i == 1:
                        conn.execute(sql, updates[i][1])
                    else:
                        conn.executemany(sql, [p for _, p in updates[i:j]])
                    i = j
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        written = self._pending
        self.rows_written += written
        for rows in self._inserts.values():
            rows.clear()
        self._updates.clear()
        self._pending = 0
        return written

    @property
    def pending(self) -> int:
        return self._pending

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.conn.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as e:
            raise StoreError(f"session log {self.path}: {_explain(e)}") from None
