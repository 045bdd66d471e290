"""Escalation forecast: the probability that one of the next few customer turns is frustrated
(and so a trigger fires), computed from the chat so far.

v1 is a small logistic model over running features; the signals issue fits it on real data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(slots=True)
class RiskFeatures:
    last_frustration: float = 0.0
    level: float = 0.0
    trend: float = 0.0
    peak: float = 0.0
    customer_turns: int = 0
    last_confidence: float | None = None
    low_confidence_turns: int = 0


def risk(f: RiskFeatures) -> float:
    conf = 1.0 if f.last_confidence is None else f.last_confidence
    z = (
        -3.0
        + 2.2 * f.level
        + 1.8 * f.last_frustration
        + 2.5 * max(f.trend, 0.0)
        + 1.0 * f.peak
        + 1.6 * (1.0 - conf)
        + 0.4 * min(f.low_confidence_turns, 3)
        + 0.12 * min(f.customer_turns, 8)
    )
    return 1.0 / (1.0 + math.exp(-z))
