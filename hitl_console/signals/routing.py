"""Intent routing: the best supported intent for a customer text and how in-scope it is (0..1).

Built at run time from whatever labelled examples are given (the shop catalogue, ``--intents FILE``):
texts become TF-IDF vectors over word uni/bigrams and in-word character 4-grams (so typos and
inflections still match); a query is compared by cosine with every example (inverted index) and with each
intent's centroid, and scored by a multinomial naive Bayes over the same vectors. The eligibility score is
a logistic calibration of a few similarity features (best example, mean of the intent's top 3 examples,
centroids, margins over the runner-up intent, how much of the query the examples cover, naive Bayes'
posterior of its best intent), fitted on CLINC150 and BANKING77-OOS by ``bench/fit_signals.py`` and
shipped with the other weights. See docs/signals.md.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from hitl_console.signals import model as _model
from hitl_console.signals.features import tokens as _tokens

_STOP = frozenset(
    "a an the i my me is are was it to of and or for on in at with this that be have has do does did "  # noqa: SIM905
    "can could would you your we our please hi hello".split()
)

_WORD = re.compile(r"[a-z0-9']+")


def tokens(text: str) -> list[str]:
    """Lower-case words without stop words (kept for callers such as the rules agent)."""
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


# Used when no calibration is shipped (unfitted checkout): roughly "best example cosine", centred at 0.45.
_DEFAULT_CAL = {"bias": -4.0, "best": 5.0, "top3": 2.0, "centroid": 2.0}
ROUTE_CACHE = 4096  # routes of recent texts kept (oldest dropped first)
FEATURES = (
    "best",
    "top3",
    "centroid",
    "margin",
    "known",
    "second",
    "cbest",
    "csecond",
    "cmargin",
    "cover_b",
    "cover_all",
    "nb",
)
NB_ALPHA = 0.1  # naive Bayes smoothing (added to every intent's TF-IDF mass of every term)


def featurize(text: str) -> dict[str, float]:
    """Sparse TF-IDF-ready term counts: word unigrams (not stop words), bigrams, char 4-grams."""
    toks = _tokens(text)
    out: dict[str, float] = {}
    prev = "<s>"
    for t in toks:
        if t not in _STOP:
            out["w:" + t] = 1.0
            if len(t) > 4 and t[0] >= "a":  # in-word 4-grams of longer words: typos, inflections
                padded = "#" + t + "#"
                for i in range(len(padded) - 3):
                    out["c:" + padded[i : i + 4]] = 0.5
        out["b:" + prev + " " + t] = 1.0
        prev = t
    return out


@dataclass(frozen=True, slots=True)
class Route:
    intent: str | None
    score: float  # 0..1: how well the text matches a supported intent (eligibility)


class IntentRouter:
    """Nearest-intent matcher over labelled example texts, with a calibrated in-scope score."""

    def __init__(
        self, examples: Iterable[tuple[str, str]], calibration: dict[str, float] | None = None
    ) -> None:
        docs: list[tuple[str, dict[str, float]]] = []
        df: dict[str, int] = defaultdict(int)
        for text, intent in examples:
            f = featurize(text)
            if not f:
                continue
            docs.append((intent, f))
            for k in f:
                df[k] += 1
        n = len(docs)
        self._idf = {k: math.log((1 + n) / (1 + c)) + 1.0 for k, c in df.items()}
        self._unk_idf = math.log(1 + n) + 1.0
        self.intents: list[str] = sorted({i for i, _ in docs})
        index = {intent: j for j, intent in enumerate(self.intents)}
        self._doc_intent: list[int] = []
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        centroids: list[dict[str, float]] = [defaultdict(float) for _ in self.intents]
        for d, (intent, f) in enumerate(docs):
            vec = self._vector(f)
            j = index[intent]
            self._doc_intent.append(j)
            for k, v in vec.items():
                postings[k].append((d, v))
                centroids[j][k] += v
        # Very common terms (in over 4% of many examples) add little to a cosine but dominate its cost:
        # they stay in the norms but are not looked up.
        cap = max(200, int(0.04 * n))
        self._postings = {k: p for k, p in postings.items() if len(p) <= cap}
        # Centroids (normalised) and naive Bayes (multinomial over the TF-IDF mass, uniform prior), both
        # through one inverted index: term -> [(intent, centroid weight, log((mass + a) / a))].
        self._centroids: list[dict[str, float]] = []
        cpost: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        log_a = math.log(NB_ALPHA)
        vocab = len(self._idf)
        self._nb_base: list[float] = []  # per intent: log(a) - log(total mass + a * vocabulary)
        for j, c in enumerate(centroids):
            norm = math.sqrt(sum(v * v for v in c.values())) or 1.0
            self._centroids.append({k: v / norm for k, v in c.items()})
            for k, v in c.items():
                cpost[k].append((j, v / norm, math.log(v + NB_ALPHA) - log_a))
            self._nb_base.append(log_a - math.log(sum(c.values()) + NB_ALPHA * vocab))
        self._cpost = dict(cpost)
        cal = calibration
        if cal is None:
            cal = _model.load().router or _DEFAULT_CAL
        self._cal = cal
        self._routes: dict[str, Route] = {}

    def _vector(self, f: dict[str, float]) -> dict[str, float]:
        idf = self._idf
        vec = {k: v * idf.get(k, self._unk_idf) for k, v in f.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {k: v / norm for k, v in vec.items()}

    def similarity_features(self, text: str) -> tuple[str | None, dict[str, float]]:
        """The best intent and the calibration features of a text (also used when fitting)."""
        f = featurize(text)
        if not f or not self.intents:
            return None, {}
        q = self._vector(f)
        sims: dict[int, float] = defaultdict(float)
        postings = self._postings
        for k, v in q.items():
            plist = postings.get(k)
            if plist is not None:
                for d, w in plist:
                    sims[d] += v * w
        per_intent: dict[int, list[float]] = defaultdict(list)
        doc_intent = self._doc_intent
        for d, s in sims.items():
            per_intent[doc_intent[d]].append(s)
        words = [k for k in f if k[0] == "w"]
        known = sum(1 for k in words if k in self._idf) / len(words) if words else 0.0
        if not per_intent:
            return None, {"known": known}
        # the nearest example and its intent's top 3 (features; the intent returned is naive Bayes')
        scored: list[tuple[float, int, float]] = []
        for j, ss in per_intent.items():
            ss.sort(reverse=True)
            scored.append((ss[0], j, sum(ss[:3]) / 3.0))
        scored.sort(reverse=True)
        best, j, top3 = scored[0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        # every intent's centroid cosine and naive Bayes log-likelihood, over the terms the examples know
        n_int = len(self.intents)
        cos = [0.0] * n_int
        nb = [0.0] * n_int
        mass = 0.0
        cover_all = 0.0
        cpost = self._cpost
        for k, v in q.items():
            plist2 = cpost.get(k)
            if plist2 is not None:
                mass += v
                cover_all += v * v
                for i, cw, lw in plist2:
                    cos[i] += v * cw
                    nb[i] += v * lw
        order = sorted(range(n_int), key=cos.__getitem__, reverse=True)
        jb = order[0]
        cbest = cos[jb]
        csecond = cos[order[1]] if n_int > 1 else 0.0
        cen_b = self._centroids[jb]
        cover_b = sum(v * v for k, v in q.items() if k in cen_b)
        ll = [mass * b + x for b, x in zip(self._nb_base, nb, strict=True)]
        top = max(ll)
        nb_post = 1.0 / sum(math.exp(x - top) for x in ll)  # posterior of the most likely intent
        intent = self.intents[ll.index(top)]
        feats = {
            "best": best,
            "top3": top3,
            "centroid": cos[j],
            "margin": best - second,
            "second": second,
            "known": known,
            "cbest": cbest,
            "csecond": csecond,
            "cmargin": cbest - csecond,
            "cover_b": cover_b,
            "cover_all": cover_all,
            "nb": nb_post,
        }
        return intent, feats

    def route(self, text: str) -> Route:
        """The route of a text; the routes of recent texts are kept (first messages repeat)."""
        routes = self._routes
        hit = routes.get(text)
        if hit is not None:
            return hit
        r = self._route(text)
        if len(routes) >= ROUTE_CACHE:
            del routes[next(iter(routes))]
        routes[text] = r
        return r

    def _route(self, text: str) -> Route:
        intent, feats = self.similarity_features(text)
        if intent is None:
            return Route(None, 0.0)
        cal = self._cal
        z = cal.get("bias", 0.0)
        for k, v in feats.items():
            z += cal.get(k, 0.0) * v
        return Route(intent, _model.sigmoid(z))
