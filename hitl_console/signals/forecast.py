"""Escalation forecast: the probability that one of the next 3 customer turns is frustrated, computed from
the chat so far (running frustration level, trend and peak, number of customer turns, the last agent turn's
words and shape, and the agent's last confidence when the engine knows it).

A linear model on the log-odds scale, fitted on USS turn ratings by ``bench/fit_signals.py``: a ridge
regression of the graded "3 - lowest mean rating of the next 3 customer turns", calibrated to "a turn with
mean rating <= 2.5 within the next 3 customer turns"; see docs/signals.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hitl_console.signals import model as _model
from hitl_console.signals.features import pos_bucket

# USS has no agent confidence, so these two weights are a prior, not fitted: a low-confidence AI answer
# raises the risk as much as roughly one mildly frustrated customer turn.
_EMPTY: frozenset[str] = frozenset()
CONFIDENCE_WEIGHT = 1.2
LOW_CONFIDENCE_TURN_WEIGHT = 0.3
# Persistence: once the chat's frustration level passes PERSIST_FROM, the risk is at least the level's
# distance beyond it, rescaled to 0..1 (level 0.75 -> 0.5, 1.0 -> 1.0), and falls back as the chat calms
# down. The model is fitted before a chat's first frustrated turn and USS has little after it; this floor
# is set, not fitted. Cross-validated on the training parts it leaves the forecast figures unchanged
# (few moments before a first frustrated turn have such a level), unlike a floor that starts lower.
PERSIST_FROM = 0.5


@dataclass(slots=True)
class RiskFeatures:
    last_frustration: float = 0.0
    level: float = 0.0
    trend: float = 0.0
    peak: float = 0.0
    customer_turns: int = 0
    last_confidence: float | None = None
    low_confidence_turns: int = 0
    # the last agent turn (empty when the newest turn is the customer's)
    agent_grams: frozenset[str] | set[str] = field(default_factory=frozenset)
    agent_dense: dict[str, float] = field(default_factory=dict)
    agent_frustration_part: float = 0.0
    at_agent: bool = False
    mild_last: float = 0.0  # P(mean rating < 3) of the last customer turn: mild dissatisfaction
    mild_level: float = 0.0
    agent_turns: int = 0
    agent_part_max: float = -9.0  # the worst agent turn so far, as the frustration model sees it
    agent_part_sum: float = 0.0
    repetition_max: float = 0.0
    # the last customer turn's n-grams
    customer_grams: frozenset[str] | set[str] = field(default_factory=set)
    # n-gram sums kept by ChatSignals for :func:`risk_from` (None: no n-grams)
    customer_risk_part: float | None = None
    agent_risk_part: float | None = None
    agent_mild_part: float | None = None


def dense(f: RiskFeatures) -> dict[str, float]:
    """The named dense features of the risk model (also used when fitting)."""
    d: dict[str, float] = {pos_bucket(f.customer_turns): 1.0}
    if f.customer_turns:
        d["h_last"] = f.last_frustration
        d["h_lvl"] = f.level
        d["h_peak"] = f.peak
        d["h_up"] = max(f.trend, 0.0)
        d["h_down"] = max(-f.trend, 0.0)
        d["h_mlast"] = f.mild_last
        d["h_mlvl"] = f.mild_level
        d["rep_max"] = f.repetition_max
    if f.agent_turns:
        d["fa_max"] = f.agent_part_max
        d["fa_mean"] = f.agent_part_sum / f.agent_turns
    if f.at_agent:
        d["at_agent"] = 1.0
        d["fa"] = f.agent_frustration_part
        d.update(f.agent_dense)
    return d


def risk(f: RiskFeatures, models: _model.Models | None = None) -> float:
    m = (models or _model.load()).risk
    return _finish(m.z(f.customer_grams, f.agent_grams if f.at_agent else _EMPTY, dense(f)), f)


def risk_from(f: RiskFeatures, m: _model.Linear) -> float:
    """:func:`risk` from the n-gram sums kept in ``f``: the same value, without the set intersections and
    without building :func:`dense` (its features are added in its order, so the sum is bit for bit the same)."""
    z = m.bias
    if f.customer_risk_part is not None:
        z += f.customer_risk_part
    at_agent = f.at_agent
    if at_agent and f.agent_risk_part is not None:
        z += f.agent_risk_part
    g = m.wd.get
    w = g(pos_bucket(f.customer_turns))
    if w is not None:
        z += w * 1.0
    if f.customer_turns:  # unrolled: no tuples to allocate on the hot path
        w = g("h_last")
        if w is not None:
            z += w * f.last_frustration
        w = g("h_lvl")
        if w is not None:
            z += w * f.level
        w = g("h_peak")
        if w is not None:
            z += w * f.peak
        w = g("h_up")
        if w is not None:
            z += w * max(f.trend, 0.0)
        w = g("h_down")
        if w is not None:
            z += w * max(-f.trend, 0.0)
        w = g("h_mlast")
        if w is not None:
            z += w * f.mild_last
        w = g("h_mlvl")
        if w is not None:
            z += w * f.mild_level
        w = g("rep_max")
        if w is not None:
            z += w * f.repetition_max
    if f.agent_turns:
        w = g("fa_max")
        if w is not None:
            z += w * f.agent_part_max
        w = g("fa_mean")
        if w is not None:
            z += w * (f.agent_part_sum / f.agent_turns)
    if at_agent:
        w = g("at_agent")
        if w is not None:
            z += w * 1.0
        w = g("fa")
        if w is not None:
            z += w * f.agent_frustration_part
        for k, v in f.agent_dense.items():
            w = g(k)
            if w is not None:
                z += w * v
    return _finish(z, f)


def _finish(z: float, f: RiskFeatures) -> float:
    if f.last_confidence is not None:
        z += CONFIDENCE_WEIGHT * (1.0 - f.last_confidence)
    z += LOW_CONFIDENCE_TURN_WEIGHT * min(f.low_confidence_turns, 3)
    r = _model.sigmoid(z)
    if f.level > PERSIST_FROM:
        floor = (f.level - PERSIST_FROM) / (1.0 - PERSIST_FROM)
        if floor > r:
            return floor
    return r
