"""What a text contributes to the signals regardless of the chat it is in, computed once per text.

Customers and agents repeat themselves (canned first messages, knowledge-base answers), so the words,
n-grams, surface features and each model's n-gram sums of a text are kept in a bounded cache on the
:class:`~hitl_console.signals.model.Models` they were computed with. The values are exactly those the
plain formulas compute; only the work is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from hitl_console.signals import forecast
from hitl_console.signals import model as _model
from hitl_console.signals.features import anger_prior, grams, shape, tokens

CACHE_SIZE = 4096  # texts kept per models (oldest dropped first)


@dataclass(frozen=True, slots=True)
class CustomerText:
    toks: list[str]
    grams: frozenset[str]
    shape: dict[str, float]  # the c_ surface features, in the order the scorer adds them
    content: list[str]  # the tokens repetition is measured on
    anger: float
    frustration: float | None  # n-gram sums of each model's customer weights (None: no n-grams)
    mild: float | None
    risk: float | None


@dataclass(frozen=True, slots=True)
class AgentText:
    grams: frozenset[str]
    shape: dict[str, float]  # the a_ surface features
    frustration: float  # the frustration model's agent part (0.0 without n-grams)
    mild: float | None
    risk: float | None


def _cache(models: _model.Models) -> dict[tuple[str, ...], object]:
    owner = models.texts_of
    if (
        len(owner) != 3
        or owner[0] is not models.frustration
        or owner[1] is not models.mild
        or owner[2] is not models.risk
    ):  # models replaced since the cache was filled
        models.texts = {}
        models.texts_of = (models.frustration, models.mild, models.risk)
    return models.texts


def _remember(cache: dict[tuple[str, ...], object], key: tuple[str, ...], value: object) -> None:
    if len(cache) >= CACHE_SIZE:
        del cache[next(iter(cache))]
    cache[key] = value


def content_tokens(toks: list[str]) -> list[str]:
    return [t for t in toks if len(t) >= 3 or t >= "\u3040"]


def customer_text(models: _model.Models, text: str) -> CustomerText:
    cache = _cache(models)
    key = ("c", text)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    toks = tokens(text)
    g = frozenset(grams(toks))
    d: dict[str, float] = {}
    shape(text, toks, "c_", d)
    if g:
        fr: float | None = _model.gram_sum(models.frustration.wc, g, models.frustration.norm)
        mild: float | None = _model.gram_sum(models.mild.wc, g, models.mild.norm)
        risk: float | None = _model.gram_sum(models.risk.wc, g, models.risk.norm)
    else:
        fr = mild = risk = None
    ct = CustomerText(toks, g, d, content_tokens(toks), anger_prior(toks, g), fr, mild, risk)
    _remember(cache, key, ct)
    return ct


def agent_grams_text(models: _model.Models, g: frozenset[str], ad: dict[str, float]) -> AgentText:
    """The agent record of a set of n-grams (a reply of several messages: their union)."""
    if g:
        return AgentText(
            g,
            ad,
            _model.gram_sum(models.frustration.wa, g, models.frustration.norm),
            _model.gram_sum(models.mild.wa, g, models.mild.norm),
            _model.gram_sum(models.risk.wa, g, models.risk.norm),
        )
    return AgentText(g, ad, 0.0, None, None)


def agent_text(models: _model.Models, text: str) -> AgentText:
    cache = _cache(models)
    key = ("a", text)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    toks = tokens(text)
    ad: dict[str, float] = {}
    shape(text, toks, "a_", ad)
    at = agent_grams_text(models, frozenset(grams(toks)), ad)
    _remember(cache, key, at)
    return at


def agent_reply(models: _model.Models, texts: tuple[str, ...], before: frozenset[str] | set[str]) -> AgentText:
    """The record of a reply of several agent messages (``texts``; ``before``: the n-grams of all but the
    last): the union of their n-grams with the last message's surface features."""
    last = agent_text(models, texts[-1])
    if len(texts) > 4:  # long runs are rare: not worth keeping
        return agent_grams_text(models, frozenset(last.grams | before), last.shape)
    cache = _cache(models)
    key = ("r", *texts)
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[return-value]
    ar = agent_grams_text(models, frozenset(last.grams | before), last.shape)
    _remember(cache, key, ar)
    return ar


def initial_risk(models: _model.Models, f: forecast.RiskFeatures) -> float:
    """The risk of a chat before any turn (``f`` fresh): the same for every chat, computed once."""
    cache = _cache(models)
    hit = cache.get(("init",))
    if hit is None:
        hit = forecast.risk(f, models)
        cache[("init",)] = hit
    return hit  # type: ignore[return-value]
