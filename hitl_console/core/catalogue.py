"""The intent catalogue of the simulated online shop (``scenarios/catalogue.toml``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from hitl_console.errors import InputError
from hitl_console.signals.routing import IntentRouter, Route
from hitl_console.tomlfile import invalid, read_toml

DEFAULT_CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios" / "catalogue.toml"


class Intent(BaseModel):
    """One thing customers ask about."""

    id: str
    title: str
    eligible: bool = Field(description="Whether the AI may handle it at all.")
    reason: str = Field(default="", description="Why it is not AI-eligible (shown in the queue).")
    keywords: list[str] = Field(default_factory=list, description="Words that route a chat here.")
    examples: list[str] = Field(min_length=1, description="Customer phrasings of a first message.")
    answer: str = Field(description="The knowledge-base answer the AI gives.")
    ai_success: float = Field(default=0.7, ge=0, le=1, description="Chance the AI answer solves it (simulation).")
    followups: list[str] = Field(default_factory=list, description="What a customer says when not yet helped.")
    human_fix: list[str] = Field(default_factory=list, description="What a human says to solve it.")


class Catalogue(BaseModel):
    intents: list[Intent] = Field(min_length=1)
    blocked_keywords: list[str] = Field(
        default_factory=lambda: ["lawyer", "lawsuit", "police", "chargeback", "court"],
        description="Words that send a chat straight to a human, whatever its intent.",
    )

    @cached_property
    def by_id(self) -> dict[str, Intent]:
        return {i.id: i for i in self.intents}

    @cached_property
    def router(self) -> IntentRouter:
        return IntentRouter((ex, i.id) for i in self.intents for ex in [*i.examples, " ".join(i.keywords)])

    def match(self, text: str) -> Route:
        return self.router.route(text)


def load_catalogue(path: Path | None = None) -> Catalogue:
    p = path or DEFAULT_CATALOGUE
    raw = read_toml(p, "intent catalogue", InputError)
    try:
        data: dict[str, object] = {"intents": raw.get("intent", [])}
        if "blocked_keywords" in raw:
            data["blocked_keywords"] = raw["blocked_keywords"]
        return Catalogue.model_validate(data)
    except ValidationError as e:
        raise invalid(e, "intent catalogue", p, InputError) from None
