"""Cheap text features shared by fitting (bench/fit_signals.py) and inference: one implementation.

Tokens are lower-cased words (with a trailing ``'s``/``n't`` kept) and single CJK characters, so word
bigrams over a Chinese text are character bigrams and the same scorer works on both.
"""

from __future__ import annotations

import math
import re
from collections.abc import Set as AbstractSet

_TOKEN = re.compile(
    r"[a-z0-9]+(?:'[a-z]+)?|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff01\uff1f]"
)
_LETTER = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")

# Position of a customer turn in the chat (0-based), bucketed.
POS_BUCKETS = ("pos0", "pos1", "pos2", "pos3", "pos5", "pos8")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def grams(toks: list[str]) -> set[str]:
    """Unigrams and bigrams of a token list (binary bag)."""
    out = set(toks)
    prev = "<s>"
    for t in toks:
        out.add(prev + " " + t)
        prev = t
    return out


def pos_bucket(i: int) -> str:
    if i < 3:
        return POS_BUCKETS[i]
    if i < 5:
        return "pos3"
    if i < 8:
        return "pos5"
    return "pos8"


def shape(text: str, toks: list[str], prefix: str, out: dict[str, float]) -> None:
    """Surface features of one text: length, shouting, punctuation."""
    n = len(toks)
    out[prefix + "len"] = math.log1p(n) / 3.0
    if n <= 3:
        out[prefix + "short"] = 1.0
    if "!" in text or "\uff01" in text:
        out[prefix + "excl"] = min(text.count("!") + text.count("\uff01"), 3) / 3.0
    if "?" in text or "\uff1f" in text:
        out[prefix + "ques"] = 1.0
    if n >= 2:
        upper = len(_UPPER.findall(text))
        if upper >= 4:  # cheap pre-check: shouting needs 6+ letters, over 60% upper case
            letters = len(_LETTER.findall(text))
            if letters >= 6 and upper > 0.6 * letters:
                out[prefix + "caps"] = 1.0


def overlap(toks: list[str], seen: set[str]) -> float:
    """Share of the content tokens (3+ chars, or CJK) already said by the customer earlier."""
    content = [t for t in toks if len(t) >= 3 or t >= "\u3040"]
    if not content or not seen:
        return 0.0
    return sum(1 for t in content if t in seen) / len(content)


# Explicit anger and escalation words. USS users are crowd workers who rarely swear at the system, so the
# fitted model barely knows these words; shop customers use them. A fixed, documented prior added to the
# fitted log-odds (not fitted; its effect on the USS figures is measured by bench/signals_eval.py).
ANGER_PRIOR: dict[str, float] = {
    "ridiculous": 1.6,
    "useless": 1.8,
    "terrible": 1.2,
    "awful": 1.2,
    "unacceptable": 1.8,
    "angry": 1.4,
    "furious": 1.8,
    "worst": 1.4,
    "scam": 1.6,
    "pointless": 1.5,
    "stupid": 1.6,
    "joke": 0.8,
    "pathetic": 1.6,
    "incompetent": 1.8,
    "disgusting": 1.6,
    "seriously": 0.9,
    "complaint": 1.0,
    "human": 1.0,
    "manager": 1.0,
    "supervisor": 1.0,
    "nobody": 0.8,
    "twice": 0.7,
    "again": 0.5,
    "still": 0.4,
    "already": 0.5,
    "waste": 1.0,
    "wtf": 1.6,
    "sick": 0.8,
    "fed": 0.8,
    # threats and verdicts a shop hears and USS never has
    "sue": 3.0,
    "lawsuit": 3.0,
    "lawyer": 2.0,
    "solicitor": 2.0,
    "fraud": 1.4,
    "unhelpful": 1.4,
    "rubbish": 1.4,
    "hopeless": 1.2,
    "crap": 1.4,
    "disappointed": 1.0,
    "投诉": 1.6,
    "差评": 1.6,
}


# Complaints about the service itself, as a shop hears them: being ignored, asked again, kept waiting,
# not read. Phrases (of tokens), so that "the worst movie" stays a film opinion while "worst service" is a
# complaint. Part of the same fixed prior (not fitted), measured on the corpora by bench/signals_eval.py.
COMPLAINT_PHRASES: dict[str, float] = {
    "nobody helps": 2.5, "nobody here": 2.0, "no one helps": 2.5, "nobody is helping": 2.5,
    "second time": 1.8, "third time": 2.5, "how many times": 2.5, "asked this twice": 2.0,
    "already said": 1.8, "already told you": 2.2, "as i said": 1.2, "same answer": 2.0,
    "been waiting": 1.5, "waiting for ages": 2.5, "still waiting": 2.0, "still nothing": 2.0,
    "still no answer": 2.2, "is anyone there": 2.0, "no answer for days": 2.5,
    "not happy": 2.2, "really not happy": 2.8, "not what i asked": 2.0,
    "doesn't help": 1.8, "does not help": 1.8, "didn't help": 1.8, "not helpful": 1.8,
    "are you even reading": 3.0, "not listening": 2.2, "are you a bot": 1.8, "this bot": 1.5,
    "worst service": 3.0, "worst shop": 3.0, "worst customer service": 3.0,
    "money back": 1.8, "real person": 1.2, "filing a complaint": 2.5,
}
_PHRASES = tuple((f" {k} ", v) for k, v in COMPLAINT_PHRASES.items())


def anger_prior(toks: list[str], grams_: AbstractSet[str]) -> float:
    z = 0.0
    for t in toks:
        w = ANGER_PRIOR.get(t)
        if w is not None:
            z += w
    if len(toks) > 1:
        text = " " + " ".join(toks) + " "
        for phrase, w in _PHRASES:
            if phrase in text:
                z += w
    # CJK words are character bigrams here
    for g in ("投 诉", "差 评"):
        if g in grams_:
            z += ANGER_PRIOR[g.replace(" ", "")]
    return min(z, 6.0)
