"""Frustration of one customer message, 0..1.

A logistic model over the message's word (or CJK character) uni/bigrams and surface features, fitted on
USS per-turn satisfaction ratings (frustrated = mean rating <= 2.5); see docs/signals.md. In a chat, use
:class:`hitl_console.signals.ChatSignals`, which also sees the agent turn before the message, repetition
of earlier requests and the running level; ``score`` rates a message on its own.
"""

from __future__ import annotations

from hitl_console.signals import model as _model
from hitl_console.signals.features import anger_prior, grams, pos_bucket, shape, tokens


def score(text: str) -> float:
    """Probability-like frustration of one customer message without context (as a second turn)."""
    toks = tokens(text)
    d: dict[str, float] = {pos_bucket(1): 1.0, "noagent": 1.0}
    shape(text, toks, "c_", d)
    g = grams(toks)
    z = _model.load().frustration.z(g, frozenset(), d) + anger_prior(toks, g) + 1.5 * d.get("c_caps", 0.0)
    return _model.sigmoid(z)
