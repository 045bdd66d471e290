"""Signals: frustration per customer message, chat-level level and trend, and the escalation forecast.

One implementation serves the floor, the bridge and ``hitl-console signals``: feed turns to a
:class:`ChatSignals` as they arrive. The models are fitted on real labelled dialogues (see docs/signals.md).
"""

from __future__ import annotations

from typing import Any

from hitl_console.signals import forecast
from hitl_console.signals import model as _model
from hitl_console.signals import texts as _texts
from hitl_console.signals.features import pos_bucket

__all__ = ["ChatSignals"]

_ALPHA = 0.5  # weight of the newest message in the chat-level frustration level
_EMPTY: frozenset[str] = frozenset()


class ChatSignals:
    """Incremental signals of one chat. Cheap: O(words) per turn, pure Python."""

    __slots__ = (
        "history",
        "level",
        "trend",
        "risk",
        "_f",
        "low_conf_threshold",
        "_models",
        "_seen",
        "_agent_since_customer",
        "_reply",
        "trace",
    )

    def __init__(self, low_conf_threshold: float = 0.5, models: _model.Models | None = None) -> None:
        self.history: list[float] = []
        self.level = 0.0
        self.trend = 0.0
        self.low_conf_threshold = low_conf_threshold
        self._models = models or _model.load()
        self._f = forecast.RiskFeatures()
        self._seen: set[str] = set()
        self._agent_since_customer = False
        self._reply: tuple[str, ...] = ()  # the texts of the current agent reply
        # When a list, every scored moment appends ("c", cgrams, agrams, dense) or ("r", agrams, dense):
        # bench/fit_signals.py fits the models on exactly the features used here.
        self.trace: list[tuple[Any, ...]] | None = None
        self.risk = _texts.initial_risk(self._models, self._f)

    def customer_features(
        self, text: str
    ) -> tuple[frozenset[str], frozenset[str] | set[str], dict[str, float], list[str]]:
        cg, ag, d, ct = self._customer_features(text)
        return cg, ag, d, ct.toks

    def _customer_features(
        self, text: str
    ) -> tuple[frozenset[str], frozenset[str] | set[str], dict[str, float], _texts.CustomerText]:
        ct = _texts.customer_text(self._models, text)
        f = self._f
        d: dict[str, float] = {pos_bucket(f.customer_turns): 1.0}
        d.update(ct.shape)
        seen = self._seen
        content = ct.content
        if content and seen:
            rep = len([t for t in content if t in seen]) / len(content)  # features.overlap
            if rep:
                d["c_rep"] = rep
        ag: frozenset[str] | set[str]
        if self._agent_since_customer:
            ag = f.agent_grams
            d.update(f.agent_dense)
        else:
            ag = _EMPTY
            d["noagent"] = 1.0
        if f.customer_turns:
            d["h_last"] = f.last_frustration
            d["h_lvl"] = f.level
            d["h_peak"] = f.peak
        return ct.grams, ag, d, ct

    def add_customer(self, text: str) -> float:
        """Score a customer message; update level, trend and risk. Returns the message's frustration."""
        cg, ag, d, ct = self._customer_features(text)
        if self.trace is not None:
            self.trace.append(("c", cg, ag, d))
        models = self._models
        f = self._f
        if ag:
            afr: float | None = f.agent_frustration_part
            amild = f.agent_mild_part
        else:
            afr = amild = None
        zf, zm = models.frustration.z2_from(models.mild, (ct.frustration, afr, ct.mild, amild), d)
        s = _model.sigmoid(zf + ct.anger + 1.5 * d.get("c_caps", 0.0))
        mild = _model.sigmoid(zm)
        prev = self.level
        self.level = s if not self.history else _ALPHA * s + (1 - _ALPHA) * self.level
        self.trend = self.level - prev if self.history else 0.0
        self.history.append(s)
        self._seen.update(ct.toks)
        self._agent_since_customer = False
        f.last_frustration = s
        f.level = self.level
        f.trend = self.trend
        f.peak = max(f.peak, s)
        f.customer_turns += 1
        f.at_agent = False
        f.mild_level = mild if f.customer_turns == 1 else _ALPHA * mild + (1 - _ALPHA) * f.mild_level
        f.mild_last = mild
        rep = d.get("c_rep", 0.0)
        if rep > f.repetition_max:
            f.repetition_max = rep
        f.customer_grams = cg
        f.customer_risk_part = ct.risk
        self._update_risk()
        return s

    def add_agent(self, text: str, confidence: float | None = None) -> float:
        """Note an agent (AI or human) turn; update the risk. Returns the new risk."""
        f = self._f
        if confidence is not None:
            f.last_confidence = confidence
            if confidence < self.low_conf_threshold:
                f.low_confidence_turns += 1
        if self._agent_since_customer:  # several agent messages in a row: one reply
            self._reply = (*self._reply, text)
            at = _texts.agent_reply(self._models, self._reply, f.agent_grams)
        else:
            self._reply = (text,)
            at = _texts.agent_text(self._models, text)
        f.agent_grams = at.grams
        f.agent_dense = at.shape
        f.agent_mild_part = at.mild
        f.agent_risk_part = at.risk
        fa = at.frustration
        if self._agent_since_customer:  # the same reply, continued
            f.agent_part_sum -= f.agent_frustration_part
        else:
            f.agent_turns += 1
        f.agent_frustration_part = fa
        f.agent_part_sum += fa
        if fa > f.agent_part_max:
            f.agent_part_max = fa
        f.at_agent = True
        self._agent_since_customer = True
        self._update_risk()
        return self.risk

    def _update_risk(self) -> None:
        f = self._f
        if self.trace is not None:
            self.trace.append(("r", f.customer_grams, f.agent_grams if f.at_agent else _EMPTY, forecast.dense(f)))
        self.risk = forecast.risk_from(f, self._models.risk)
