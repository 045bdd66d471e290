"""Simulated customers: personas, a hidden mood that reacts to what happens, messages written in that
mood, patience, and a 1-5 rating at the end. Seeded: the same random stream gives the same customers.

The hidden ``anger`` (0..1) is the customer's real state; the floor only sees the text, which is written
from it (a frustrated customer repeats, capitalises, counts attempts, asks for a human).

How the handling paths come out (the field experiment's pattern, arXiv 2605.14830): a technical
escalation keeps the rating, because the chat goes to a person right after the AI's first answer missed
and the customer takes the handover as help coming (:meth:`Customer.handed_over`), not as another
failure; an emotional one costs about a point even with a human, because the customer remembers how
angry they got (:meth:`Customer.rating`); a customer who asked for a human from the start rates lower
partly because such customers grade harder (:data:`WANTS_HUMAN_HARSHER`). A proactive takeover pays
when it comes before the customer's anger has built up: it saves what an emotional escalation would cost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hitl_console.core.catalogue import Intent

FIRST_NAMES = (
    "Li Wei", "Wang Fang", "Zhang Min", "Chen Jing", "Liu Yang", "Ana Silva", "Tom Becker", "Maria Rossi",
    "Sam Okafor", "Priya Nair", "Kenji Sato", "Olga Ivanova", "Lucas Martin", "Emma Jones", "Yusuf Kaya",
    "Mei Lin", "Jonas Berg", "Sofia Lopez", "Ahmed Hassan", "Chloe Dubois", "Ravi Patel", "Nora Field",
    "Hugo Lind", "Ivy Chan",
)

_ANNOYED = (
    "That doesn't really answer my question. {f}",
    "Hmm, no. {f}",
    "I already said that. {f}",
    "{f} Can you actually check?",
    "Not what I asked. {f}",
)
_FRUSTRATED = (
    "No, that's not it. I've asked this twice now. {f}",
    "You keep giving me the same answer and it doesn't help! {f}",
    "This is ridiculous, nothing you said works. {f}",
    "I don't want the standard answer again. {f}",
    "Seriously? I've waited days and still nothing. {f}",
    "Why is this so hard?? {f} Still no answer.",
)
_ANGRY = (
    "THIRD TIME: {F} This is useless.",
    "This is unacceptable. {F}",
    "Are you even reading what I write?! {F} Useless.",
    "Worst service ever. {f} I'm filing a complaint.",
    "Pathetic. {f} Nobody here can answer a simple question.",
)
_ANGRY_ASK_HUMAN = (
    "This is useless. I want to talk to a real person NOW.",
    "Get me a human, this bot is useless.",
    "Unacceptable. I want a manager.",
)
_UPSET_OPENERS = (
    "This is the second time I'm contacting you about this. ",
    "I'm really not happy. ",
    "Seriously, again? ",
    "I've had no answer for days. ",
)
_ASK_HUMAN = (
    "Can I talk to a human please?",
    "I'd rather speak to a real person about this.",
    "Please transfer me to an agent.",
    "Is there a human I can talk to?",
)
_WAITING = (
    "Hello? Is anyone there?",
    "Still waiting...",
    "Hello?? I've been waiting for ages.",
    "How long do I have to wait for someone?",
)
_THANKS = (
    "Thanks, that solves it.",
    "Great, thank you!",
    "Ok perfect, thanks for the help.",
    "That works, thanks.",
    "Alright, got it. Thank you.",
)
_GRUDGING = (
    "Fine. Finally.",
    "Ok. Took long enough.",
    "Whatever, that works I guess.",
)
_HUMAN_NOT_YET = (
    "Ok, and what happens next?",
    "So when will that be done?",
    "Can you confirm that for me?",
)


# Customers who ask for a person in their first message grade harder for the same experience (they came
# expecting to be let down: often a repeat contact, or a distrust of bots), by this many points on average.
WANTS_HUMAN_HARSHER = 0.4


@dataclass(slots=True)
class Persona:
    patience: float  # seconds a customer waits for a human before leaving
    temper: float  # 0.5..1.6: how fast anger rises
    verbosity: float  # 0..1: longer messages
    wants_human: bool = False
    leniency: float = 0.0  # how this customer grades, drawn once: added to the rating


@dataclass(slots=True)
class Customer:
    name: str
    intent: Intent
    persona: Persona
    rng: random.Random
    order_id: str
    anger: float = 0.0
    peak: float = 0.0
    solved: bool = False
    attempts: int = 0
    human_replies: int = 0
    seen_answers: set[str] = field(default_factory=set)
    next_intent: Intent | None = None  # a second question the customer asks once the first is solved
    # How the mood moves (whether an answer solves it, how much it annoys or calms) is drawn from a stream
    # of its own, so the same customer reacts alike whatever the timing (how long they waited, how many
    # "still waiting" lines they wrote) and policies compare on the same reactions. None: use ``rng``.
    mood_rng: random.Random | None = None

    @property
    def _mood(self) -> random.Random:
        return self.mood_rng or self.rng

    def ask_next(self) -> str | None:
        """Once helped, some customers have one more question: the chat goes on with a new intent."""
        nxt, self.next_intent = self.next_intent, None
        if nxt is None:
            return None
        self.intent = nxt
        self.solved = False
        self.attempts = 0
        return self.rng.choice(("Thanks! One more thing: ", "Ok, thanks. Also, ", "Got it. Another question: ")) + (
            self.rng.choice(nxt.examples)
        )

    # -- mood ------------------------------------------------------------------------------------
    def _set_anger(self, value: float) -> None:
        self.anger = min(1.0, max(0.0, value))
        self.peak = max(self.peak, self.anger)

    def react_to_ai(self, text: str, confidence: float) -> None:
        """The AI answered: solved with the intent's success chance if the answer is on topic and new."""
        self.attempts += 1
        repeated = text in self.seen_answers
        self.seen_answers.add(text)
        on_topic = self.intent.answer[:40] in text and confidence >= 0.45
        chance = self.intent.ai_success * (0.6 if repeated else 1.0) if on_topic else 0.0
        if self._mood.random() < chance:
            self.solved = True
            self._set_anger(self.anger - 0.1)
            return
        rise = 0.10 + (0.06 if repeated else 0.0) + (0.06 if not on_topic else 0.0)
        self._set_anger(self.anger + rise * self.persona.temper * self._mood.uniform(0.7, 1.3))

    def handed_over(self) -> None:
        """The AI's reply fired a trigger and the chat now waits for a person: the customer is told one is
        coming and does not take that reply as one more failed answer (no rise in anger; the wait itself
        annoys, see :meth:`wait`). This is why a technical escalation costs little: the rules agent is
        unsure (an answer it already gave, a request to clarify) as soon as its first answer has missed,
        so the chat goes to a person before the customer has been let down twice."""
        self.attempts += 1

    def react_to_human(self, text: str) -> None:
        """A human wrote: calming, and usually solving once the human has the facts."""
        self.human_replies += 1
        # A human calms a customer, but one who got really angry does not fully come down.
        self._set_anger(self.anger - 0.18 * (1.1 - self.peak) * self._mood.uniform(0.6, 1.4))
        fix = any(line[:30] in text for line in self.intent.human_fix) or len(text) > 60
        if fix and self._mood.random() < 0.85 or self.human_replies >= 3:
            self.solved = True

    def wait(self, seconds: float) -> None:
        """Waiting for a human makes a customer angrier."""
        self._set_anger(self.anger + seconds * 0.0015 * self.persona.temper)

    # -- words ------------------------------------------------------------------------------------
    def first_message(self) -> str:
        text = self.rng.choice(self.intent.examples)
        if self.anger >= 0.35:
            text = self.rng.choice(_UPSET_OPENERS) + text
        if self.persona.verbosity > 0.7:
            text = f"Hi, {text[0].lower()}{text[1:]} My order is {self.order_id}."
        if self.persona.wants_human:
            text = f"{text} {self.rng.choice(_ASK_HUMAN)}"
        return text

    def next_message(self) -> str:
        """What the customer says after an unhelpful answer, written in their current mood."""
        r = self.rng
        f = r.choice(self.intent.followups or self.intent.examples)
        if self.persona.wants_human and self.attempts <= 1:
            return r.choice(_ASK_HUMAN)
        if self.anger >= 0.78:
            if r.random() < 0.35:
                return r.choice(_ANGRY_ASK_HUMAN)
            return r.choice(_ANGRY).format(f=f, F=f.upper())
        if self.anger >= 0.55:
            if r.random() < 0.12:
                return r.choice(_ASK_HUMAN)
            return r.choice(_FRUSTRATED).format(f=f)
        if self.anger >= 0.3:
            return r.choice(_ANNOYED).format(f=f)
        return f

    def reply_to_human(self) -> str:
        if self.solved:
            return self.rng.choice(_GRUDGING if self.anger > 0.6 else _THANKS)
        return self.rng.choice(_HUMAN_NOT_YET)

    def thanks(self) -> str:
        return self.rng.choice(_GRUDGING if self.anger > 0.6 else _THANKS)

    def waiting_message(self) -> str:
        return self.rng.choice(_WAITING)

    # -- the end ----------------------------------------------------------------------------------
    def rating(self) -> int:
        """1-5: a solved problem pulls it up; the worst moment and the final mood pull it down; the
        customer's own leniency (see :func:`draw_leniency`) shifts it.

        Mild irritation (anger below 0.3: one answer that missed) that a human clears leaves no trace;
        beyond that the customer remembers the worst moment even when the problem is solved, so a chat
        that got heated enough for an emotional escalation (anger about 0.5 and up) loses close to a point
        whoever solves it.
        """
        x = 4.85 - 3.0 * max(0.0, self.peak - 0.3) - 1.0 * self.anger - (1.6 if not self.solved else 0.0)
        x += self.persona.leniency
        return int(min(5, max(1, round(x))))


def initial_anger(rng: random.Random, persona: Persona) -> float:
    """Some customers arrive already annoyed (a second contact, a late parcel): their mood starts higher."""
    return min(0.7, max(0.0, rng.gauss(0.15, 0.22)) * persona.temper)


def make_persona(rng: random.Random, patience_mean: float, wants_human_share: float) -> Persona:
    return Persona(
        patience=max(30.0, rng.gauss(patience_mean, patience_mean * 0.35)),
        temper=min(1.6, max(0.5, rng.gauss(1.0, 0.3))),
        verbosity=rng.random(),
        wants_human=rng.random() < wants_human_share,
    )


def draw_leniency(rng: random.Random, persona: Persona) -> float:
    """How a customer grades (about +-0.35 points), drawn once when they arrive, from a stream of its own,
    so the same customer grades the same experience alike whatever the supervisors do. Customers who
    want a human from the start grade :data:`WANTS_HUMAN_HARSHER` lower."""
    return rng.gauss(0.0, 0.35) - (WANTS_HUMAN_HARSHER if persona.wants_human else 0.0)
