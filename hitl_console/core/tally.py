"""A running summary of a floor's outcomes (for ``simulate`` and the TUI's header)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from hitl_console.core.models import Event, EventType


def handling_path(kind: str | None, trigger: str | None) -> str:
    """The handling path of a chat: ``ai_only``, ``proactive`` or ``after_<trigger>``."""
    if kind is None:
        return "ai_only"
    if kind == "proactive":
        return "proactive"
    return f"after_{trigger}"


@dataclass
class Tally:
    opened: int = 0
    closed: int = 0
    ai_resolved: int = 0
    human_resolved: int = 0
    abandoned: int = 0
    escalations: Counter[str] = field(default_factory=Counter)
    takeovers: Counter[str] = field(default_factory=Counter)
    ratings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _first_takeover: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def on_event(self, ev: Event) -> None:
        t = ev.type
        if t is EventType.CHAT_OPENED:
            self.opened += 1
        elif t is EventType.CHAT_ESCALATED:
            self.escalations[ev.data["trigger"]] += 1
        elif t is EventType.CHAT_ASSIGNED:
            self.takeovers[ev.data["kind"]] += 1
            self._first_takeover.setdefault(ev.chat_id, (ev.data["kind"], ev.data.get("trigger")))
        elif t is EventType.CHAT_CLOSED:
            self.closed += 1
            d = ev.data
            if d.get("abandoned"):
                self.abandoned += 1
            elif d.get("resolved_by") == "ai":
                self.ai_resolved += 1
            elif d.get("resolved_by") == "human":
                self.human_resolved += 1
            kind, trigger = self._first_takeover.pop(ev.chat_id, (None, None))
            if kind is None and d.get("first_trigger"):
                path = f"unattended_{d['first_trigger']}"
            else:
                path = handling_path(kind, trigger)
            if d.get("rating") is not None:
                self.ratings[path].append(int(d["rating"]))
            self.durations[path].append(float(d.get("duration_s") or 0.0))

    def mean_rating(self) -> float | None:
        allr = [r for rs in self.ratings.values() for r in rs]
        return sum(allr) / len(allr) if allr else None

    def summary(self) -> dict[str, Any]:
        paths = sorted(set(self.ratings) | set(self.durations))
        return {
            "chats": self.closed,
            "ai_resolved_share": round(self.ai_resolved / self.closed, 4) if self.closed else 0.0,
            "abandoned": self.abandoned,
            "escalations": dict(sorted(self.escalations.items())),
            "takeovers": dict(sorted(self.takeovers.items())),
            "mean_rating": None if self.mean_rating() is None else round(self.mean_rating() or 0.0, 3),
            "paths": {
                p: {
                    "chats": len(self.durations[p]),
                    "rated": len(self.ratings[p]),
                    "mean_rating": round(sum(self.ratings[p]) / len(self.ratings[p]), 3) if self.ratings[p] else None,
                    "mean_duration_s": round(sum(self.durations[p]) / len(self.durations[p]), 1)
                    if self.durations[p]
                    else None,
                }
                for p in paths
            },
        }
