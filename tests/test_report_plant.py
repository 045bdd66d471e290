"""A log planter for the report, export and review tests: chats with known paths and outcomes, written
through the real floor and the real store. Its own tests check that what it plants is what the log says."""

from __future__ import annotations

from pathlib import Path

from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import Role, Trigger
from hitl_console.store.writer import Store

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class Planter:
    """Writes chats with a chosen handling path, rating, wait, duration and human messages."""

    def __init__(
        self, path: Path, catalogue: Catalogue, *, start: float = START, source: str = "test"
    ) -> None:
        self.clock = SimClock(start)
        self.floor = Floor(catalogue, self.clock, Settings().thresholds)
        self.store = Store(path)
        self.session_id = self.store.start_session(source=source, supervisor="test", seed=1, started_at=start)
        self.floor.subscribe(self.store.on_event)
        self.n = 0

    def _at(self, t: float) -> float:
        """Events carry their own times (chats overlap); the clock keeps the latest for the session end."""
        self.clock.set(max(self.clock.now(), t))
        return t

    def chat(
        self,
        path: str,
        *,
        t0: float,
        rating: int | None = None,
        wait: float = 10.0,
        duration: float = 120.0,
        human: int = 1,
        abandoned: bool = False,
        supervisor: str = "sup1",
        reply_after: float = 5.0,
        text: str = "Where is my parcel?",
        chat_id: str | None = None,
    ) -> str:
        """One chat on ``path`` (ai_only, after_<trigger>, proactive, unattended) opened at ``t0``."""
        self.n += 1
        cid = chat_id or f"P{self.n:05d}"
        f = self.floor
        f.open_chat(cid, f"Customer {self.n}", None, intent="delivery_delay", eligible=True, at=self._at(t0))
        f.add_message(cid, Role.CUSTOMER, text, at=self._at(t0 + 1), check_triggers=False)
        f.add_message(
            cid,
            Role.AI,
            "Let me check that for you.",
            confidence=0.8,
            at=self._at(t0 + 2),
            check_triggers=False,
        )
        end = t0 + duration
        if path == "ai_only":
            f.close(cid, Role.AI, rating=rating, abandoned=abandoned, at=self._at(end))
            return cid
        if path == "unattended":
            f.escalate(cid, Trigger.TECHNICAL, "planted", at=self._at(t0 + 3))
            f.close(cid, None, rating=rating, abandoned=True, at=self._at(end))
            return cid
        if path == "proactive":
            f.take_over(cid, supervisor, at=self._at(t0 + 3))
            f.send_human(cid, supervisor, "I am here to help.", at=self._at(t0 + 3 + reply_after))
            f.hand_back(cid, supervisor, at=self._at(t0 + 4 + reply_after))
            f.escalate(cid, Trigger.TECHNICAL, "planted", at=self._at(t0 + 5 + reply_after))
            taken = t0 + 5 + reply_after + wait
            f.take_over(cid, supervisor, at=self._at(taken))
            sent_from = taken
        else:
            trigger = Trigger(path.removeprefix("after_"))
            f.escalate(cid, trigger, "planted", at=self._at(t0 + 3))
            taken = t0 + 3 + wait
            f.take_over(cid, supervisor, at=self._at(taken))
            sent_from = taken
        for i in range(human):
            f.send_human(
                cid, supervisor, f"Reply {i + 1} from a human.", at=self._at(sent_from + reply_after + i)
            )
        f.close(
            cid,
            None if abandoned else Role.HUMAN,
            rating=rating,
            abandoned=abandoned,
            at=self._at(max(end, sent_from + reply_after + human)),
        )
        return cid

    def close(self) -> None:
        self.store.end_session(self.clock.now())
        self.store.close()


def test_planted_paths_are_what_the_log_says(tmp_path: Path, catalogue: Catalogue) -> None:
    import sqlite3

    p = Planter(tmp_path / "log.db", catalogue)
    p.chat("ai_only", t0=START, rating=5)
    p.chat("after_emotional", t0=START + 10, rating=2, wait=30, human=3)
    p.chat("proactive", t0=START + 20, rating=4, human=2)
    p.chat("unattended", t0=START + 30)
    p.close()
    conn = sqlite3.connect(tmp_path / "log.db")
    rows = conn.execute(
        "SELECT chat_id, kind, trigger, wait_s, human_messages FROM takeovers ORDER BY id"
    ).fetchall()
    assert rows == [
        ("P00002", "escalation", "emotional", 30.0, 3),
        ("P00003", "proactive", None, None, 1),
        ("P00003", "escalation", "technical", 10.0, 2),
    ]
    chats = conn.execute(
        "SELECT chat_id, rating, abandoned, first_trigger FROM chats ORDER BY chat_id"
    ).fetchall()
    assert chats == [
        ("P00001", 5, 0, None),
        ("P00002", 2, 0, "emotional"),
        ("P00003", 4, 0, "technical"),
        ("P00004", None, 1, "technical"),
    ]
