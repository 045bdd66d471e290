"""Read-only access to a session log for review, report and export (no Textual, no writes).

:func:`open_log` opens an existing log without changing it and names the file in every error.
:class:`LogReader` answers the review screens' questions with paged queries, so a log of 100,000 chats is
browsed a page at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hitl_console.errors import InputError, StoreError
from hitl_console.store.schema import EXPECTED_TABLES, SCHEMA_VERSION


def open_log(path: Path) -> sqlite3.Connection:
    """Open an existing session log for reading. A missing, foreign or corrupt file is one clear line."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"session log {path}: no such file")
    if path.is_dir():
        raise StoreError(f"session log {path}: is a directory, not a file")
    try:
        try:
            conn, version, tables = _connect(str(path), uri=False)
        except sqlite3.OperationalError as e:
            if "readonly" not in str(e) and "unable to open" not in str(e):
                raise
            # A log we may not write to (an archive, a read-only share): a log in WAL mode needs to create
            # its shared-memory file even to read. Nobody can be writing it where we cannot, so it is read
            # as immutable (no locks, no shared memory).
            conn, version, tables = _connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    except sqlite3.DatabaseError as e:
        raise StoreError(f"session log {path}: {explain(e)}") from None
    if not set(EXPECTED_TABLES) <= tables or version == 0:
        conn.close()
        raise StoreError(f"session log {path}: not a hitl-console log")
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(f"session log {path}: schema version {version} is newer than this console's")
    return conn


def _connect(target: str, uri: bool) -> tuple[sqlite3.Connection, int, set[str]]:
    conn = sqlite3.connect(target, timeout=2.0, check_same_thread=False, uri=uri)
    try:
        conn.execute("PRAGMA query_only = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn, version, tables


def explain(e: sqlite3.Error) -> str:
    """A short reason for a SQLite error, for one-line messages."""
    msg = str(e)
    if "locked" in msg or "busy" in msg:
        return "locked by another process"
    if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
        return "not a SQLite database or corrupt"
    if "unable to open" in msg:
        return "cannot be opened (check the path and its permissions)"
    return msg


def parse_time(text: str, option: str = "--since") -> float:
    """An ISO date or date-time as epoch seconds. Naive values are UTC."""
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            dt = datetime(d.year, d.month, d.day, tzinfo=UTC)
        else:
            dt = datetime.fromisoformat(text)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
    except ValueError:
        raise InputError(
            f"{option} {text!r}: not an ISO date or date-time (e.g. 2026-01-31 or 2026-01-31T09:00)"
        ) from None
    return dt.timestamp()


# -- review queries -------------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "taken": "t.taken_at",
    "wait": "t.wait_s",
    "rating": "c.rating",
    "duration": "c.duration_s",
    "held": "(t.ended_at - t.taken_at)",
}


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    started_at: float | None
    ended_at: float | None
    source: str | None
    supervisor: str | None
    agent: str | None
    chats: int
    takeovers: int


@dataclass(frozen=True, slots=True)
class TakeoverFilter:
    """Which takeovers to list. ``None`` means any."""

    session_id: int | None = None
    trigger: str | None = None  # a trigger, or "none" for proactive takeovers
    kind: str | None = None
    supervisor: str | None = None
    since: float | None = None  # taken at or after (epoch seconds)
    until: float | None = None  # taken before

    def where(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        if self.session_id is not None:
            parts.append("t.session_id = ?")
            params.append(self.session_id)
        if self.trigger == "none":
            parts.append("t.trigger IS NULL")
        elif self.trigger is not None:
            parts.append("t.trigger = ?")
            params.append(self.trigger)
        if self.kind is not None:
            parts.append("t.kind = ?")
            params.append(self.kind)
        if self.supervisor is not None:
            parts.append("t.supervisor = ?")
            params.append(self.supervisor)
        if self.since is not None:
            parts.append("t.taken_at >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append("t.taken_at < ?")
            params.append(self.until)
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


@dataclass(frozen=True, slots=True)
class TakeoverRow:
    id: int
    session_id: int
    takeover_id: int
    chat_id: str
    supervisor: str | None
    kind: str | None
    trigger: str | None
    taken_at: float | None
    wait_s: float | None
    held_s: float | None
    human_messages: int | None
    ending: str | None
    rating: int | None
    duration_s: float | None
    intent: str | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened in a chat, in order: a message or a floor event."""

    seq: int
    at: float
    type: str  # an event type: chat.opened, message, chat.escalated, chat.assigned, chat.released, ...
    role: str | None = None
    author: str | None = None
    text: str = ""
    frustration: float | None = None  # the customer message's own score
    level: float | None = None  # the chat's frustration level after this message
    confidence: float | None = None
    risk: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChatTimeline:
    session_id: int
    chat_id: str
    chat: dict[str, Any]
    entries: list[TimelineEntry]
    takeovers: list[dict[str, Any]]


_TAKEOVER_SELECT = (
    "SELECT t.id, t.session_id, t.takeover_id, t.chat_id, t.supervisor, t.kind, t.trigger, t.taken_at,"
    " t.wait_s, t.ended_at - t.taken_at, t.human_messages, t.ending, c.rating, c.duration_s, c.intent"
    " FROM takeovers t LEFT JOIN chats c ON c.session_id = t.session_id AND c.chat_id = t.chat_id"
)


class LogReader:
    """Paged, read-only queries over one session log."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.conn = open_log(self.path)

    def close(self) -> None:
        self.conn.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"session log {self.path}: {explain(e)}") from None

    # -- sessions ---------------------------------------------------------------------------------
    def sessions(self, *, limit: int = 1000, offset: int = 0) -> list[SessionRow]:
        """Sessions, newest first, with their numbers of chats and takeovers."""
        rows = self._rows(
            "SELECT s.id, s.started_at, s.ended_at, s.source, s.supervisor, s.agent,"
            " (SELECT count(*) FROM chats c WHERE c.session_id = s.id),"
            " (SELECT count(*) FROM takeovers t WHERE t.session_id = s.id)"
            " FROM sessions s ORDER BY s.id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [SessionRow(*r) for r in rows]

    def supervisors(self, session_id: int | None = None) -> list[str]:
        where, params = TakeoverFilter(session_id=session_id).where()
        rows = self._rows(f"SELECT DISTINCT t.supervisor FROM takeovers t{where} ORDER BY 1", params)
        return [r[0] for r in rows if r[0] is not None]

    # -- takeovers --------------------------------------------------------------------------------
    def count_takeovers(self, flt: TakeoverFilter) -> int:
        where, params = flt.where()
        return int(self._rows(f"SELECT count(*) FROM takeovers t{where}", params)[0][0])

    def takeovers(
        self,
        flt: TakeoverFilter,
        *,
        sort: str = "taken",
        descending: bool = False,
        limit: int = 200,
        offset: int = 0,
    ) -> list[TakeoverRow]:
        """One page of takeovers. ``sort`` is a key of :data:`SORTS`; missing values sort last."""
        if sort not in SORTS:
            raise InputError(f"sort {sort!r}: not one of {', '.join(SORTS)}")
        where, params = flt.where()
        col = SORTS[sort]
        order = f" ORDER BY ({col}) IS NULL, {col} {'DESC' if descending else 'ASC'}, t.id"
        rows = self._rows(_TAKEOVER_SELECT + where + order + " LIMIT ? OFFSET ?", [*params, limit, offset])
        return [TakeoverRow(*r) for r in rows]

    # -- one chat ---------------------------------------------------------------------------------
    def timeline(self, session_id: int, chat_id: str) -> ChatTimeline:
        """A chat replayed from its events, with its outcome and takeovers."""
        cur = self.conn.execute(
            "SELECT * FROM chats WHERE session_id = ? AND chat_id = ?", (session_id, chat_id)
        )
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row is None:
            raise InputError(f"session log {self.path}: no chat {chat_id} in session {session_id}")
        chat = dict(zip(names, row, strict=True))
        entries = [
            _entry(seq, at, type_, data)
            for seq, at, type_, data in self._rows(
                "SELECT seq, at, type, data FROM events WHERE session_id = ? AND chat_id = ? ORDER BY seq, id",
                (session_id, chat_id),
            )
        ]
        cur = self.conn.execute(
            "SELECT * FROM takeovers WHERE session_id = ? AND chat_id = ? ORDER BY takeover_id",
            (session_id, chat_id),
        )
        tnames = [d[0] for d in cur.description]
        takeovers = [dict(zip(tnames, r, strict=True)) for r in cur.fetchall()]
        return ChatTimeline(session_id, chat_id, chat, entries, takeovers)


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _entry(seq: Any, at: Any, type_: Any, raw: Any) -> TimelineEntry:
    """A timeline entry from one logged event; malformed data gives an entry that says so."""
    try:
        data = json.loads(raw) if raw else {}
        if not isinstance(data, dict):
            raise ValueError
    except (ValueError, TypeError):
        data = {"malformed": True}
    text = data.get("text")
    return TimelineEntry(
        seq=int(seq or 0),
        at=float(at or 0.0),
        type=str(type_),
        role=data.get("role") if isinstance(data.get("role"), str) else None,
        author=data.get("author") if isinstance(data.get("author"), str) else None,
        text=text if isinstance(text, str) else "",
        frustration=_num(data.get("frustration")),
        level=_num(data.get("level")),
        confidence=_num(data.get("confidence")),
        risk=_num(data.get("risk")),
        data=data,
    )
