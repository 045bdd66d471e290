"""The rehearsal scenario format (TOML), validated by pydantic. See docs/scenarios.md.

A scenario is a handful of scripted chats. Each chat is a timeline of customer and AI turns that plays by
itself on the scenario clock; branches move it when the trainee acts (takes over, writes, hands back,
resolves); ``expect`` says what an expert does and what each ending is worth. Field names here are the keys
of the TOML file, so a validation error's path is also the path in the file.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Difficulty = Literal["beginner", "intermediate", "advanced"]
TraineeEvent = Literal["take_over", "reply", "hand_back", "resolve"]
ScriptedTrigger = Literal["technical", "emotional", "customer_request"]
ID_PATTERN = r"^[A-Za-z0-9_-]+$"


class _Strict(BaseModel):
    """No unknown fields and no type coercion: ``delay = "8"``, ``proactive = "no"`` or ``eligible = 1`` are
    errors, not silently converted. (Enums are TOML strings and an integer is a valid float, as TOML intends.)"""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Rule(_Strict):
    """A deterministic phrase rule over the human's replies (case-insensitive, whole words).

    A term matches a whole word or phrase; a term ending in ``*`` matches any word starting with it
    (``apolog*`` matches "apologise" and "apologies").
    """

    label: str = Field("", description="How the debrief names it, e.g. 'an apology'. Default: the rule's name.")
    any: list[str] = Field(default_factory=list, description="At least one of these terms must appear.")
    all: list[str] = Field(default_factory=list, description="Every one of these terms must appear.")
    none: list[str] = Field(default_factory=list, description="None of these terms may appear.")
    tip: str = Field("", description="Shown in the debrief when a required rule was missing (or a banned one hit).")


class Turn(_Strict):
    """One scripted message. It plays ``delay`` seconds after the turn before it (or after a branch)."""

    id: str | None = Field(None, pattern=ID_PATTERN, description="Name for branches and windows. Default: t1, t2...")
    role: Literal["customer", "ai"]
    text: str = Field(min_length=1)
    delay: float = Field(5.0, ge=0, le=3600, description="Seconds after the previous turn (or the branch).")
    confidence: float | None = Field(None, ge=0, le=1, description="The AI's confidence (AI turns; required).")
    trigger: ScriptedTrigger | None = Field(
        None, description="Escalate the chat right after this turn (only while the AI is handling it)."
    )
    next: str | None = Field(
        None, description="The id of the turn that follows (default: the next in the list), or 'wait' to stop."
    )
    end: Literal["ai_resolved", "abandoned"] | None = Field(None, description="The chat ends after this turn.")
    rating: int | None = Field(None, ge=1, le=5, description="The customer's rating for this ending.")
    ending: str = Field("", description="A name for this ending in the debrief.")


class Condition(_Strict):
    """When a branch fires or a mistake counts. Every field given must hold."""

    on: TraineeEvent
    before: str | None = Field(None, description="This turn has not played yet.")
    after: str | None = Field(None, description="This turn has played.")
    before_s: float | None = Field(None, ge=0, description="Earlier than this many scenario seconds.")
    after_s: float | None = Field(None, ge=0, description="At or after this many scenario seconds.")
    last_turn: list[str] = Field(default_factory=list, description="The chat's last played turn is one of these.")
    match: str | None = Field(None, description="reply only: the message matches this rule.")
    said: list[str] = Field(default_factory=list, description="The human has already written these rules here.")
    missing: list[str] = Field(default_factory=list, description="The human has not yet written these rules here.")
    kind: Literal["proactive", "escalation"] | None = Field(None, description="take_over only: its kind.")


class Branch(Condition):
    """What happens when the trainee does something: jump the timeline, or (on resolve) set the rating."""

    goto: str | None = Field(None, description="The turn to play next (delay counted from now).")
    rating: int | None = Field(None, ge=1, le=5, description="resolve only: the customer's rating.")
    ending: str = Field("", description="resolve only: a name for this ending in the debrief.")
    once: bool = Field(True, description="Fire at most once.")


class Avoid(Condition):
    """A thing not to do; each costs its penalty once."""

    what: str = Field(min_length=1, description="The mistake in a few words, e.g. 'handed back an angry customer'.")
    penalty: int = Field(15, ge=0, le=100, description="Points taken off the chat.")
    tip: str = Field("", description="What to do instead.")


class Window(_Strict):
    """The intervention window: before it a takeover is unnecessary, after it late."""

    opens: str | None = Field(None, description="The window opens when this turn has played (default: at once).")
    closes: str | None = Field(None, description="A takeover after this turn has played is late.")
    closes_after_s: float | None = Field(None, gt=0, description="Or: late this many seconds after it opened.")


class Expect(_Strict):
    """What an expert does on this chat."""

    take_over: bool = Field(True, description="Whether a human should take this chat at all.")
    proactive: bool = Field(
        False, description="Whether the ideal is a proactive takeover (before any trigger); else in-window is ideal."
    )
    window: Window = Window.model_validate({})
    say: list[str] = Field(default_factory=list, description="Rules the human's replies must contain.")
    avoid: list[Avoid] = Field(default_factory=list)
    reply_within_s: float = Field(20.0, gt=0, description="Target latency of the human's replies, in seconds.")
    ideal: str = Field("", description="The ideal handling in one sentence, for the debrief.")
    weight: float = Field(1.0, gt=0, description="How much this chat counts in the scenario's score.")


class ChatScript(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    customer: str = Field(min_length=1)
    intent: str | None = Field(None, description="The catalogue intent (default: routed from the first message).")
    eligible: bool = Field(True, description="false: the chat goes straight to the human queue (trigger ineligible).")
    start: float = Field(0.0, ge=0, description="Scenario seconds at which the chat opens.")
    draft: str = Field("", description="The AI-drafted reply offered to the human.")
    resolve_rating: int = Field(3, ge=1, le=5, description="Rating when the human resolves and no branch says.")
    turns: list[Turn] = Field(min_length=1)
    branches: list[Branch] = Field(default_factory=list)
    expect: Expect = Expect.model_validate({})

    def turn_ids(self) -> list[str]:
        """Each turn's id: its own, or ``t<n>`` (1-based position)."""
        return [t.id or f"t{i + 1}" for i, t in enumerate(self.turns)]

    def successor(self, index: int) -> int | None:
        """The turn that plays by itself after turn ``index`` (None: the timeline stops there)."""
        turn = self.turns[index]
        if turn.end is not None or turn.next == "wait":
            return None
        if turn.next is not None:
            ids = self.turn_ids()
            return ids.index(turn.next) if turn.next in ids else None
        return index + 1 if index + 1 < len(self.turns) else None

    def plays_after(self, index: int) -> dict[int, float]:
        """The turns that play by themselves from turn ``index`` on, each with the seconds after it (0 for
        ``index`` itself). Branches are not followed: this is the timeline nobody intervenes in."""
        out: dict[int, float] = {}
        elapsed = 0.0
        i: int | None = index
        while i is not None and i not in out:
            if i != index:
                elapsed += self.turns[i].delay
            out[i] = elapsed
            i = self.successor(i)
        return out

    def natural_times(self) -> dict[str, float]:
        """When each turn plays if nobody intervenes (scenario seconds)."""
        ids = self.turn_ids()
        return {ids[i]: round(self.start + dt, 3) for i, dt in self.plays_after(0).items()}


class Scenario(_Strict):
    """A rehearsal scenario."""

    title: str = Field(min_length=1)
    difficulty: Difficulty
    goal: str = Field(min_length=1, description="The learning goal, shown before and after the rehearsal.")
    description: str = ""
    tags: list[str] = Field(
        default_factory=list, description="What it trains, e.g. technical, emotional, proactive, false_alarm."
    )
    duration_s: float = Field(600.0, gt=0, le=7200, description="The rehearsal ends at the latest after this.")
    rules: dict[str, Rule] = Field(default_factory=dict)
    chats: list[ChatScript] = Field(min_length=1)

    def chat(self, chat_id: str) -> ChatScript:
        for c in self.chats:
            if c.id == chat_id:
                return c
        raise KeyError(chat_id)


ActionKind = Literal["take_over", "send", "hand_back", "resolve"]


class Action(_Strict):
    """One scripted trainee action. It happens at ``at``, or ``delay`` s after turn ``after`` has played,
    or ``delay`` s after the previous action."""

    do: ActionKind
    chat: str | None = Field(None, description="The chat (default: the scenario's only chat).")
    at: float | None = Field(None, ge=0, description="Scenario seconds.")
    after: str | None = Field(None, description="Once this turn of the chat has played.")
    delay: float = Field(0.0, ge=0)
    text: str | None = Field(None, description="send only: what the trainee writes.")


class Actions(_Strict):
    """A scripted trainee: how authors test a scenario."""

    trainee: str = Field("trainee", min_length=1)
    actions: list[Action] = Field(default_factory=list)
