"""Intent routing: the best supported intent for a customer text and how in-scope it is (0..1).

v1: cosine similarity of word sets against labelled examples. The signals issue replaces the model
(fitted on real out-of-scope data) behind the same interface.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    "a an the i my me is are was it to of and or for on in at with this that be have has do does did "
    "can could would you your we our please hi hello".split()
)


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass(frozen=True, slots=True)
class Route:
    intent: str | None
    score: float  # 0..1: how well the text matches a supported intent (eligibility)


class IntentRouter:
    """Nearest-intent matcher over labelled example texts."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        df: dict[str, int] = defaultdict(int)
        docs: list[tuple[str, set[str]]] = []
        for text, intent in examples:
            toks = set(tokens(text))
            if not toks:
                continue
            docs.append((intent, toks))
            for t in toks:
                df[t] += 1
        n = max(len(docs), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._docs = [(intent, toks, math.sqrt(sum(self._idf[t] ** 2 for t in toks))) for intent, toks in docs]
        self.intents = sorted({i for i, _, _ in self._docs})

    def route(self, text: str) -> Route:
        toks = set(tokens(text))
        if not toks or not self._docs:
            return Route(None, 0.0)
        idf = self._idf
        qnorm = math.sqrt(sum(idf.get(t, 0.0) ** 2 for t in toks) + 0.5 * sum(1 for t in toks if t not in idf))
        best_intent: str | None = None
        best = 0.0
        for intent, dtoks, dnorm in self._docs:
            common = toks & dtoks
            if not common:
                continue
            sim = sum(idf[t] ** 2 for t in common) / (qnorm * dnorm)
            if sim > best:
                best, best_intent = sim, intent
        return Route(best_intent, min(1.0, best))
