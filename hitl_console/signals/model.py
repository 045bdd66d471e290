"""The fitted signal models: small linear models over the features of :mod:`.features`.

Weights ship as ``models/signals.json`` (compact JSON, about 250 KB; packaged by the ``**/*.json`` rule) (written by ``bench/fit_signals.py``), loaded once, lazily, with
the standard library only: inference needs neither numpy nor scikit-learn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

ARTEFACT = Path(__file__).resolve().parent / "models" / "signals.json"


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def gram_sum(weights: dict[str, float], grams: AbstractSet[str], norm: bool = True) -> float:
    """The n-gram part of a score: the weights of the n-grams present, summed exactly (the same value in
    every process, whatever the set's order); with ``norm``, over the square root of the text's number of
    n-grams (a long text does not score by its length; fitted the same way). 0.0 without n-grams."""
    if not grams:
        return 0.0
    s = math.fsum([weights[g] for g in weights.keys() & grams])
    return s / math.sqrt(len(grams)) if norm else s


class Linear:
    """Logistic model: a bias, weights for customer n-grams, agent n-grams and named dense features."""

    __slots__ = ("bias", "wc", "wa", "wd", "norm")

    def __init__(self, raw: dict[str, Any] | None = None) -> None:
        raw = raw or {}
        self.bias: float = float(raw.get("bias", 0.0))
        self.wc: dict[str, float] = dict(raw.get("c", {}))
        self.wa: dict[str, float] = dict(raw.get("a", {}))
        self.wd: dict[str, float] = dict(raw.get("d", {}))
        self.norm: bool = bool(raw.get("norm", False))  # n-gram sums over sqrt(number of n-grams)

    def z(self, cgrams: AbstractSet[str], agrams: AbstractSet[str], dense: dict[str, float]) -> float:
        wc, wa, wd = self.wc, self.wa, self.wd
        z = self.bias
        if cgrams:
            z += gram_sum(wc, cgrams, self.norm)
        if agrams:
            z += gram_sum(wa, agrams, self.norm)
        for k, v in dense.items():
            w = wd.get(k)
            if w is not None:
                z += w * v
        return z

    def z_from(self, csum: float | None, asum: float | None, dense: dict[str, float]) -> float:
        """:meth:`z` from precomputed n-gram sums (``None``: no n-grams), in the same order of additions,
        so the result is bit for bit the same."""
        z = self.bias
        if csum is not None:
            z += csum
        if asum is not None:
            z += asum
        wd = self.wd
        for k, v in dense.items():
            w = wd.get(k)
            if w is not None:
                z += w * v
        return z

    def z2_from(
        self, other: Linear, sums: tuple[float | None, float | None, float | None, float | None], dense: dict[str, float]
    ) -> tuple[float, float]:
        """``(self.z_from(c1, a1, dense), other.z_from(c2, a2, dense))`` for ``sums = (c1, a1, c2, a2)`` in one
        pass over ``dense`` (each sum in its own order of additions: bit for bit the same)."""
        c1, a1, c2, a2 = sums
        z1 = self.bias
        if c1 is not None:
            z1 += c1
        if a1 is not None:
            z1 += a1
        z2 = other.bias
        if c2 is not None:
            z2 += c2
        if a2 is not None:
            z2 += a2
        g1, g2 = self.wd.get, other.wd.get
        for k, v in dense.items():
            w = g1(k)
            if w is not None:
                z1 += w * v
            w = g2(k)
            if w is not None:
                z2 += w * v
        return z1, z2

    def agent_part(self, agrams: AbstractSet[str]) -> float:
        return gram_sum(self.wa, agrams, self.norm)

    def to_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "c": self.wc, "a": self.wa, "d": self.wd, "norm": self.norm}


class Models:
    """Everything fitted: frustration (mean rating <= 2.5), mild dissatisfaction (< 3), risk, routing."""

    __slots__ = ("frustration", "mild", "risk", "router", "meta", "texts", "texts_of")

    def __init__(self, raw: dict[str, Any] | None = None) -> None:
        raw = raw or {}
        self.frustration = Linear(raw.get("frustration"))
        self.mild = Linear(raw.get("mild"))
        self.risk = Linear(raw.get("risk"))
        self.router: dict[str, float] = dict(raw.get("router", {}))
        self.meta: dict[str, Any] = dict(raw.get("meta", {}))
        # Features and n-gram sums of recently scored texts (see :mod:`.texts`), valid for ``texts_of``.
        self.texts: dict[tuple[str, ...], Any] = {}
        self.texts_of: tuple[Linear, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "frustration": self.frustration.to_json(),
            "mild": self.mild.to_json(),
            "risk": self.risk.to_json(),
            "router": self.router,
        }


_loaded: Models | None = None


def load(path: Path | None = None) -> Models:
    """The shipped models (cached after the first call)."""
    global _loaded
    if path is not None:
        return Models(json.loads(path.read_text(encoding="utf-8")))
    if _loaded is None:
        try:
            _loaded = Models(json.loads(ARTEFACT.read_text(encoding="utf-8")))
        except FileNotFoundError:  # unfitted checkout: neutral models
            _loaded = Models()
    return _loaded


def save(models: Models, path: Path = ARTEFACT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(models.to_json(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    path.write_text(data + "\n", encoding="utf-8")
