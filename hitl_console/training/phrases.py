"""Deterministic phrase rules over what the trainee writes (see :class:`~hitl_console.training.schema.Rule`)."""

from __future__ import annotations

import re
from functools import lru_cache

from hitl_console.training.schema import Rule


@lru_cache(maxsize=1024)
def _term(term: str) -> re.Pattern[str]:
    t = term.strip().lower()
    prefix = t.endswith("*")
    words = t.rstrip("*").split()
    body = r"\s+".join(re.escape(w) for w in words)
    tail = r"" if prefix else r"(?!\w)"
    return re.compile(r"(?<!\w)" + body + tail)


def has_term(text: str, term: str) -> bool:
    """Whether ``term`` (a word or phrase, ``*`` for a prefix) appears in ``text``, ignoring case."""
    return _term(term).search(text.lower()) is not None


def matches(rule: Rule, text: str) -> bool:
    """Whether a message satisfies the rule."""
    if rule.any and not any(has_term(text, t) for t in rule.any):
        return False
    if rule.all and not all(has_term(text, t) for t in rule.all):
        return False
    return not any(has_term(text, t) for t in rule.none)


def label(name: str, rule: Rule) -> str:
    return rule.label or name.replace("_", " ")
