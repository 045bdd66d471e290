"""Signals: frustration per customer message, chat-level level and trend, and the escalation forecast.

One implementation serves the floor, the bridge and ``hitl-console signals``: feed turns to a
:class:`ChatSignals` as they arrive.
"""

from __future__ import annotations

from hitl_console.signals import forecast, frustration

__all__ = ["ChatSignals"]

_ALPHA = 0.5  # weight of the newest message in the chat-level frustration level


class ChatSignals:
    """Incremental signals of one chat. Cheap: O(words) per turn, no allocation beyond a float list."""

    __slots__ = ("history", "level", "trend", "risk", "_f", "low_conf_threshold")

    def __init__(self, low_conf_threshold: float = 0.5) -> None:
        self.history: list[float] = []
        self.level = 0.0
        self.trend = 0.0
        self.risk = 0.0
        self.low_conf_threshold = low_conf_threshold
        self._f = forecast.RiskFeatures()
        self.risk = forecast.risk(self._f)

    def add_customer(self, text: str) -> float:
        """Score a customer message; update level, trend and risk. Returns the message's frustration."""
        s = frustration.score(text)
        prev = self.level
        self.level = s if not self.history else _ALPHA * s + (1 - _ALPHA) * self.level
        self.trend = self.level - prev if self.history else 0.0
        self.history.append(s)
        f = self._f
        f.last_frustration = s
        f.level = self.level
        f.trend = self.trend
        f.peak = max(f.peak, s)
        f.customer_turns += 1
        self.risk = forecast.risk(f)
        return s

    def add_agent(self, text: str, confidence: float | None = None) -> float:
        """Note an agent (AI or human) turn; update the risk. Returns the new risk."""
        f = self._f
        if confidence is not None:
            f.last_confidence = confidence
            if confidence < self.low_conf_threshold:
                f.low_confidence_turns += 1
        self.risk = forecast.risk(f)
        return self.risk
