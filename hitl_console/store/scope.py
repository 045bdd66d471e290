"""Which part of a session log a report covers (sessions, time, rehearsals in or out), as SQL conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REHEARSAL = "rehearsal"  # the source of rehearsal sessions


@dataclass(frozen=True, slots=True)
class Scope:
    """Which part of the log the report covers: chats opened at or after ``since`` in ``session_id``.

    Sessions whose source is ``rehearsal`` (trainee rehearsals, scored in their own section) are left out
    of the outcome and supervisor tables unless ``include_rehearsals``."""

    session_id: int | None = None
    since: float | None = None
    include_rehearsals: bool = False

    def _live(self, alias: str, parts: list[str]) -> None:
        if not self.include_rehearsals:
            parts.append(f"{alias}.session_id NOT IN (SELECT id FROM sessions WHERE source = '{REHEARSAL}')")

    def _where(self, alias: str, time_col: str, parts: list[str]) -> tuple[str, list[Any]]:
        params: list[Any] = []
        self._live(alias, parts)
        if self.session_id is not None:
            parts.append(f"{alias}.session_id = ?")
            params.append(self.session_id)
        if self.since is not None:
            parts.append(f"{alias}.{time_col} >= ?")
            params.append(self.since)
        return (" WHERE " + " AND ".join(parts)) if parts else "", params

    def any_chat_where(self, alias: str = "c") -> tuple[str, list[Any]]:
        """Every chat in scope, open or closed."""
        return self._where(alias, "opened_at", [])

    def chat_where(self, alias: str = "c") -> tuple[str, list[Any]]:
        return self._where(alias, "opened_at", [f"{alias}.status = 'closed'"])

    def open_chat_where(self, alias: str = "c") -> tuple[str, list[Any]]:
        """Chats in scope that the log never saw closed (still live when the session ended)."""
        return self._where(alias, "opened_at", [f"{alias}.status != 'closed'"])

    def takeover_where(self, alias: str = "t") -> tuple[str, list[Any]]:
        return self._where(alias, "taken_at", [])
