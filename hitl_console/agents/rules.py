"""The rules agent: answers from the intent catalogue's knowledge base, no model, no network.

It routes the customer's latest message (earlier ones as fallback context) to an intent with
:meth:`Catalogue.match` and replies with that intent's KB answer. Its confidence is calibrated from
two things: the router's similarity score, and whether the text carries *evidence* for the intent,
i.e. at least one word that is specific to it (a keyword, or a word several of its examples share and
other intents rarely use). The v1 router alone scores "tell me a joke" about as high as a real request
(it shares "tell me" with one example); the evidence check is what separates in-scope from
out-of-scope text.

Deterministic: no randomness; the same context always gives the same reply.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from hitl_console.agents.base import AgentContext, AgentReply, Turn
from hitl_console.core.catalogue import Catalogue, Intent
from hitl_console.core.models import Role
from hitl_console.core.policy import asks_for_human
from hitl_console.signals.routing import tokens


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say nothing about *which* intent a text is about (on top of the router's stop words).
_GENERIC = _words(
    "about after again all already am any anything been but by can't cannot did didn't do don't "
    "from get got going how i'd i'm im is it's just know let like much need no not now one only pls "
    "really same says should so some someone something still tell than them then there they this "
    "thing time today up use very want was week what when which who why will with won't yet"
)

_UPSET_WORDS = _words(
    "ridiculous useless terrible awful unacceptable angry furious worst joke pointless stupid "
    "seriously disgusting incompetent scam pathetic horrible rubbish nonsense annoyed fed ruined "
    "forever again already still never nobody"
)

_REPHRASE = ("As I mentioned, ", "As I said before, ", "Just to repeat: ")
_CLARIFY = (
    "I'm sorry, I'm not sure I understood. Could you tell me a bit more, for example your order "
    "number and what went wrong?"
)
_CLARIFY_AGAIN = (
    "Sorry, I still couldn't match that to something I can help with here. I can help with orders, "
    "deliveries, returns, refunds, payments, invoices, coupons and your account."
)
_GREETING = "Hi! Thanks for contacting us. How can I help you today?"
_HANDOVER = (
    "Of course. I'll connect you with a member of our customer service team now; "
    "they'll see this conversation, so you won't need to repeat yourself."
)
_HUMAN_REASON = "customer asked for a human"


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _truncate(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def is_upset(text: str) -> bool:
    """Simple cues that a customer message is angry or fed up."""
    words = re.findall(r"[a-z']+", text.lower())
    hits = sum(1 for w in words if w in _UPSET_WORDS)
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.6
    return hits >= 2 or shouting or "!!" in text or "?!" in text or (hits >= 1 and "!" in text)


class RulesAgent:
    """Answers from the catalogue's KB answers; see the module docstring for the confidence model."""

    name = "rules"

    def __init__(self, catalogue: Catalogue, low_confidence: float = 0.45) -> None:
        self.catalogue = catalogue
        self.low_confidence = low_confidence
        self._evidence = self._evidence_words(catalogue)
        self._cache: dict[str, tuple[Intent | None, float]] = {}

    # -- calibration -----------------------------------------------------------------------

    @staticmethod
    def _evidence_words(catalogue: Catalogue) -> dict[str, frozenset[str]]:
        """Per intent, the words specific to it: its keywords, and words at least two of its examples
        share that belong mostly (>= 60% of their uses) to it."""
        per_intent: dict[str, Counter[str]] = {}
        overall: Counter[str] = Counter()
        for intent in catalogue.intents:
            c: Counter[str] = Counter()
            for ex in intent.examples:
                c.update(set(tokens(ex)) - _GENERIC)
            per_intent[intent.id] = c
            overall.update(c)
        out: dict[str, frozenset[str]] = {}
        for intent in catalogue.intents:
            c = per_intent[intent.id]
            shared = {t for t, n in c.items() if n >= 2 and n / overall[t] >= 0.6}
            kws = {t for kw in intent.keywords for t in tokens(kw)} - _GENERIC
            out[intent.id] = frozenset(shared | kws)
        return out

    def _score(self, text: str) -> tuple[Intent | None, float]:
        """The best intent for ``text`` and a calibrated confidence (0..1) that it is right."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        route = self.catalogue.match(text)
        intent = self.catalogue.by_id.get(route.intent) if route.intent else None
        if intent is None:
            result: tuple[Intent | None, float] = (None, 0.0)
        else:
            strength = min(1.0, route.score / 0.55)
            if self._has_evidence(intent, text):
                result = (intent, round(0.62 + 0.33 * strength, 3))  # 0.62..0.95
            else:
                result = (intent, round(0.35 * strength, 3))  # < 0.35: matched on generic words only
        if len(self._cache) >= 4096:
            self._cache.clear()
        self._cache[text] = result
        return result

    def _has_evidence(self, intent: Intent, text: str) -> bool:
        return not self._evidence.get(intent.id, frozenset()).isdisjoint(tokens(text))

    def classify(self, turns: Sequence[Turn]) -> tuple[Intent | None, float]:
        """The intent of a chat and a confidence, from its customer turns.

        The latest turn decides; the most recent clear earlier turn is the chat's topic so far. A
        follow-up that is unclear on its own ("I did that already") stays on that topic (a bit less
        sure); one with words of that topic stays on it too ("the seller sent no return address");
        one that clearly is about something else switches topic.
        """
        said = [t.text for t in turns if t.role == Role.CUSTOMER]
        if not said:
            return None, 0.0
        intent, conf = self._score(said[-1])
        prior: Intent | None = None
        prior_conf = 0.0
        for text in reversed(said[:-1]):
            p, c = self._score(text)
            if p is not None and c >= self.low_confidence:
                prior, prior_conf = p, c
                break
        if prior is None:
            return intent, conf
        if intent is not None and intent.id == prior.id:
            return intent, max(conf, round(prior_conf * 0.85, 3))
        if self._has_evidence(prior, said[-1]):
            return prior, round(prior_conf * 0.9, 3)
        if intent is not None and conf >= self.low_confidence:
            return intent, round(conf * 0.9, 3)  # a new topic mid-chat
        return prior, round(prior_conf * 0.85, 3)

    # -- the Agent protocol ----------------------------------------------------------------

    async def reply(self, ctx: AgentContext) -> AgentReply:
        said = [t.text for t in ctx.transcript if t.role == Role.CUSTOMER]
        earlier_ai = [_norm(t.text) for t in ctx.transcript if t.role == Role.AI]
        if not said:
            return AgentReply(_GREETING, 0.9, intent=ctx.intent)
        if asks_for_human(said[-1]):
            return AgentReply(_HANDOVER, 0.9, needs_human=True, reason=_HUMAN_REASON, intent=ctx.intent)

        intent, conf = self.classify(ctx.transcript)
        if intent is None or conf < self.low_confidence:
            guess = intent.id if intent else None
            if any(_norm(_CLARIFY) in a for a in earlier_ai):
                return AgentReply(_CLARIFY_AGAIN, min(conf, 0.2), reason="not understood", intent=guess)
            return AgentReply(_CLARIFY, conf, intent=guess)
        if not intent.eligible:
            # The handover message is the right reply, but the matter is outside the AI's scope.
            return AgentReply(
                intent.answer,
                min(conf, 0.3),
                needs_human=True,
                reason=intent.reason or "not AI-eligible",
                intent=intent.id,
            )

        core = _norm(intent.answer[1:])
        repeats = sum(1 for a in earlier_ai if core in a)
        if repeats == 0:
            return AgentReply(intent.answer, conf, intent=intent.id)
        # An answer loop: the customer is back after the same answer. Say so, and be less sure.
        prefix = _REPHRASE[min(repeats, len(_REPHRASE)) - 1]
        text = prefix + intent.answer[0].lower() + intent.answer[1:]
        return AgentReply(text, round(conf * 0.55**repeats, 3), reason="answer loop", intent=intent.id)

    def _intent_for(self, ctx: AgentContext) -> Intent | None:
        if ctx.intent and ctx.intent in self.catalogue.by_id:
            return self.catalogue.by_id[ctx.intent]
        intent, conf = self.classify(ctx.transcript)
        return intent if conf >= self.low_confidence else None

    async def draft(self, ctx: AgentContext) -> str:
        said = [t.text for t in ctx.transcript if t.role == Role.CUSTOMER]
        intent = self._intent_for(ctx)
        parts: list[str] = []
        name = ctx.customer.split()[0] if re.fullmatch(r"[A-Za-z][A-Za-z .'-]*", ctx.customer or "") else ""
        parts.append(f"Hi {name}, thanks for waiting." if name else "Hi, thanks for waiting.")
        if any(is_upset(s) for s in said[-2:]):
            parts.append("I'm really sorry for the trouble and for the back-and-forth so far.")
        if intent is None:
            parts.append("I've taken over your chat personally. Could you tell me what happened?")
        else:
            if ctx.order_id:
                parts.append(f"I've looked into order {ctx.order_id}.")
            parts.append(intent.human_fix[0] if intent.human_fix else intent.answer)
        return " ".join(parts)

    async def brief(self, ctx: AgentContext) -> str:
        said = [t.text for t in ctx.transcript if t.role == Role.CUSTOMER]
        ai_said = [t.text for t in ctx.transcript if t.role == Role.AI]
        intent = self._intent_for(ctx)
        lines: list[str] = []
        if intent is None:
            lines.append("Intent: unclear")
        else:
            scope = "" if intent.eligible else f"  [not AI-eligible: {intent.reason or 'ineligible'}]"
            lines.append(f"Intent: {intent.title} ({intent.id}){scope}")
        if ctx.order_id:
            lines.append(f"Order: {ctx.order_id}")
        upset = " (upset)" if any(is_upset(s) for s in said[-2:]) else ""
        lines.append(f"Customer turns: {len(said)}{upset}")
        if said:
            lines.append(f'Last said: "{_truncate(said[-1], 90)}"')
        if ai_said:
            lines.append(f"AI tried ({len(ai_said)} {'reply' if len(ai_said) == 1 else 'replies'}):")
            lines.extend(f'  - "{_truncate(a, 80)}"' for a in ai_said[-2:])
        else:
            lines.append("AI tried: nothing yet")
        lines.append(f"Why: {self._why(ctx, intent, said, ai_said)}")
        if intent is not None and intent.human_fix:
            lines.append(f"Suggested: {_truncate(intent.human_fix[0], 100)}")
        return "\n".join(lines)

    def _why(self, ctx: AgentContext, intent: Intent | None, said: list[str], ai_said: list[str]) -> str:
        if ctx.trigger:
            reason = f": {ctx.trigger_reason}" if ctx.trigger_reason else ""
            return f"{ctx.trigger.replace('_', ' ')} escalation{reason}"
        if said and asks_for_human(said[-1]):
            return _HUMAN_REASON
        if intent is not None and not intent.eligible:
            return intent.reason or "not AI-eligible"
        if intent is not None:
            core = _norm(intent.answer[1:])
            repeats = sum(1 for a in ai_said if core in _norm(a))
            if repeats >= 2:
                return f"answer loop: the AI gave the same answer {repeats} times"
        if said and is_upset(said[-1]):
            return "customer is upset"
        if intent is None or self.classify(ctx.transcript)[1] < self.low_confidence:
            return "the AI is not sure what the customer needs"
        return "the AI's answer has not solved it yet"
