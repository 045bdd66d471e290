"""How the floor's rows are ordered and filtered."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hitl_console.core.models import ChatStatus
from hitl_console.tui.view import ChatRow

_INF = float("inf")


def _needs_human(me: str) -> Callable[[ChatRow], tuple[float | str, ...]]:
    """My takeovers whose customer waits for my reply first (longest first: a handful at most, under the
    takeover cap, and nobody else will answer them), then escalated chats (longest waiting first, then by
    risk), then AI chats by risk (proactive candidates first), then my other takeovers, then other humans'
    chats."""

    def key(r: ChatRow) -> tuple[float | str, ...]:
        st = r.status
        if st is ChatStatus.ESCALATED:
            return (1, r.trigger_at if r.trigger_at is not None else _INF, -r.risk, r.id)
        if st is ChatStatus.AI:
            return (2, 0 if r.candidate else 1, -r.risk, r.opened_at, r.id)
        if r.holder == me:
            if r.reply_due_at is not None:
                return (0, r.reply_due_at, 0, r.id)
            return (3, r.opened_at, 0, r.id)
        return (4, r.opened_at, 0, r.id)

    return key


@dataclass(frozen=True, slots=True)
class SortMode:
    id: str
    label: str


SORTS: tuple[SortMode, ...] = (
    SortMode("needs_human", "needs a human first"),
    SortMode("risk", "escalation risk"),
    SortMode("frustration", "frustration"),
    SortMode("confidence", "AI confidence (lowest first)"),
    SortMode("newest", "newest chats"),
    SortMode("id", "chat id"),
)


def sort_rows(rows: Iterable[ChatRow], mode: str, me: str) -> list[ChatRow]:
    if mode == "risk":
        return sorted(rows, key=lambda r: (-r.risk, r.id))
    if mode == "frustration":
        return sorted(rows, key=lambda r: (-r.frustration, r.id))
    if mode == "confidence":
        return sorted(rows, key=lambda r: (1.0 if r.confidence is None else r.confidence, r.id))
    if mode == "newest":
        return sorted(rows, key=lambda r: (-r.opened_at, r.id))
    if mode == "id":
        return sorted(rows, key=lambda r: r.id)
    return sorted(rows, key=_needs_human(me))


def keep_order(shown: Iterable[ChatRow], rows: Iterable[ChatRow], mode: str, me: str) -> list[ChatRow]:
    """``rows`` in the order of ``shown`` (the chats already on screen keep their lines, with their new
    values); chats not shown yet follow, sorted by ``mode``. Chats gone from ``rows`` are dropped."""
    fresh = {r.id: r for r in rows}
    out = [fresh.pop(r.id) for r in shown if r.id in fresh]
    if fresh:
        out.extend(sort_rows(fresh.values(), mode, me))
    return out


def filter_rows(rows: Iterable[ChatRow], query: str) -> list[ChatRow]:
    """Rows whose id, customer, intent, status, handler, trigger or last message contain every word."""
    words = query.lower().split()
    if not words:
        return list(rows)
    out = []
    for r in rows:
        text = r.search
        if all(w in text for w in words):
            out.append(r)
    return out


def next_sort(mode: str) -> SortMode:
    ids = [s.id for s in SORTS]
    i = ids.index(mode) if mode in ids else -1
    return SORTS[(i + 1) % len(SORTS)]
