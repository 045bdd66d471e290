"""Policy: routing of new chats and the triggers that escalate a chat to a human."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hitl_console.config import Thresholds
from hitl_console.core.catalogue import Catalogue
from hitl_console.core.models import Trigger

_HUMAN_REQUEST = re.compile(
    r"\b(?:(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some)?(?:real\s+|actual\s+|live\s+)?"
    r"(?:human|person|one|body|agent|representative|manager|supervisor|staff|employee|people)"
    r"|(?:real|actual|live)\s+(?:human|person|people|agent|chat)"
    r"|human|transfer\s+me|connect\s+me\s+(?:to|with)"
    r"|(?:get|give)\s+me\s+(?:a\s+)?(?:person|manager|supervisor)"
    r"|want\s+(?:a\s+)?(?:person|manager)"
    r"|representative|operator|supervisor|manager|customer\s+service\s+agent"
    r"|not\s+(?:a\s+|another\s+)?(?:bot|robot)|stop\s+the\s+bot)\b",
    re.IGNORECASE,
)
# Phrases with those words that are not a request for a person.
_NOT_A_REQUEST = re.compile(r"\b(?:human error|human rights)\b", re.IGNORECASE)
# Chinese requests for a human agent (the seed platform is Chinese).
_HUMAN_REQUEST_ZH = re.compile(r"转人工|人工客服|找人工|真人")


def asks_for_human(text: str) -> bool:
    """Whether a customer message asks for a person instead of the AI: the one detector the trigger
    policy and the agents share."""
    if _HUMAN_REQUEST_ZH.search(text):
        return True
    return bool(_HUMAN_REQUEST.search(text)) and not _NOT_A_REQUEST.search(text)


@dataclass(frozen=True, slots=True)
class Routing:
    eligible: bool
    intent: str | None
    score: float
    reason: str


def route(catalogue: Catalogue, text: str, intent: str | None = None, min_score: float = 0.2) -> Routing:
    """Decide whether a new chat may go to the AI: from its intent (given or matched) and keywords."""
    if intent is None:
        r = catalogue.match(text)
        intent, score = r.intent, r.score
    else:
        score = 1.0
    spec = catalogue.by_id.get(intent) if intent else None
    if spec is None:
        # Nothing matched well: the AI may still try; a low confidence will escalate it as technical.
        return Routing(True, intent, score, "no known intent")
    if not spec.eligible:
        return Routing(False, spec.id, score, spec.reason or "topic not handled by the AI")
    for kw in catalogue.blocked_keywords:
        if kw in text.lower():
            return Routing(False, spec.id, score, f"keyword: {kw}")
    if score < min_score:
        return Routing(True, spec.id, score, "weak match")
    return Routing(True, spec.id, score, "topic")


@dataclass(frozen=True, slots=True)
class TriggerCheck:
    trigger: Trigger
    reason: str


def check_customer(
    text: str, level: float, thresholds: Thresholds, frustration: float | None = None
) -> TriggerCheck | None:
    """Triggers a customer message can fire (on a chat the AI is handling): a request for a human, or
    frustration (the message's own score or the chat's running level) at or above the threshold."""
    if asks_for_human(text):
        return TriggerCheck(Trigger.CUSTOMER_REQUEST, "customer asked for a human")
    score = max(level, frustration or 0.0)
    if score >= thresholds.frustration:
        return TriggerCheck(Trigger.EMOTIONAL, f"frustration {score:.2f} >= {thresholds.frustration:.2f}")
    return None


def check_ai(confidence: float, needs_human: bool, reason: str | None, thresholds: Thresholds) -> TriggerCheck | None:
    """Triggers an AI reply can fire."""
    if needs_human:
        return TriggerCheck(Trigger.TECHNICAL, reason or "the AI asked for a human")
    if confidence < thresholds.confidence:
        return TriggerCheck(Trigger.TECHNICAL, f"AI confidence {confidence:.2f} < {thresholds.confidence:.2f}")
    return None
