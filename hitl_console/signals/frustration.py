"""Frustration of one customer message, 0..1 (v1: a transparent lexical model).

The signals issue replaces the weights with ones fitted on real data; the interface stays:
``score(text) -> float``.
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[a-z']+")

_WEIGHTS: dict[str, float] = {
    "ridiculous": 1.4, "useless": 1.5, "terrible": 1.2, "awful": 1.2, "unacceptable": 1.5,
    "angry": 1.3, "furious": 1.6, "worst": 1.3, "joke": 0.8, "again": 0.6, "still": 0.5,
    "already": 0.5, "waiting": 0.6, "wait": 0.3, "human": 1.0, "person": 0.6, "agent": 0.5,
    "manager": 0.9, "supervisor": 0.8, "third": 0.7, "nobody": 0.8, "nothing": 0.5, "never": 0.6,
    "not": 0.3, "no": 0.3, "why": 0.4, "wrong": 0.6, "scam": 1.4, "complaint": 0.9, "refund": 0.2,
    "seriously": 0.9, "hours": 0.5, "days": 0.3, "pointless": 1.3, "stupid": 1.4, "bot": 0.8,
    "robot": 0.8, "understand": 0.3, "doesn't": 0.3, "don't": 0.2, "didn't": 0.3, "can't": 0.2,
    "thanks": -1.0, "thank": -1.0, "great": -0.9, "perfect": -1.1, "helpful": -1.0, "ok": -0.4,
    "okay": -0.4, "good": -0.6, "appreciate": -1.0, "solved": -1.0, "works": -0.6, "please": -0.2,
}
_BIAS = -2.2


def score(text: str) -> float:
    """Probability-like frustration of one customer message."""
    lower = text.lower()
    z = _BIAS
    for word in _WORD.findall(lower):
        z += _WEIGHTS.get(word, 0.0)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8:
        caps = sum(1 for c in letters if c.isupper()) / len(letters)
        if caps > 0.6:
            z += 1.5
    z += min(text.count("!"), 4) * 0.35 + min(text.count("?"), 4) * 0.1
    return 1.0 / (1.0 + math.exp(-z))
