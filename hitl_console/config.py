"""Settings, read from a TOML file (``--config``) and validated by pydantic. Every field is documented;
``hitl-console config`` prints the defaults as TOML."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from hitl_console.errors import ConfigError
from hitl_console.tomlfile import invalid, read_toml


class Thresholds(BaseModel):
    """When a trigger fires and when a chat is flagged as a proactive candidate."""

    model_config = ConfigDict(extra="forbid")

    confidence: float = Field(0.45, ge=0, le=1, description="An AI reply below this confidence fires `technical`.")
    frustration: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A customer message (or the chat's running level) scored at or above this fires `emotional`.",
    )
    risk_warning: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Escalation risk at or above this, once the AI has answered, marks a chat as a proactive candidate.",
    )


# The console's remappable bindings: id -> default keys. A binding's id starts with where it acts (a
# screen, or `app` / `rehearsal` everywhere); a test keeps this table equal to the bindings in the TUI.
BINDING_KEYS: dict[str, str] = {
    "app.help": "question_mark", "app.quit": "q",
    "floor.open": "enter", "floor.take_over": "t", "floor.take_next": "n", "floor.filter": "slash",
    "floor.sort": "s", "floor.up": "up,k", "floor.down": "down,j", "floor.page_up": "pageup",
    "floor.page_down": "pagedown", "floor.first": "home", "floor.last": "end",
    "chat.back": "escape", "chat.take_over": "t", "chat.write": "i", "chat.draft": "d", "chat.hand_back": "h",
    "chat.resolve": "r", "chat.brief": "b",
    "help.close": "escape,question_mark,q", "confirm.yes": "y", "confirm.no": "n,escape",
    "rehearsal.pause": "p", "rehearsal.resume": "p", "rehearsal.end": "E", "debrief.quit": "q", "debrief.back": "escape",
}
_EVERYWHERE = ("app", "rehearsal")
_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
_NAMED_KEYS = {
    "backspace", "delete", "down", "end", "enter", "escape", "home", "insert", "left", "pagedown", "pageup",
    "return", "right", "space", "tab", "up", *(f"f{n}" for n in range(1, 25)),
}

_SHORT_CHAR_NAMES = {"slash", "backslash", "at", "minus", "plus", "underscore"}  # Textual's short names


def key_name_ok(key: str) -> bool:
    """Textual's key names: a printable character, a named key (enter, escape, up, f1...), a character's
    Unicode name in lower case with underscores (slash, question_mark), each with ctrl+/shift+/alt+ before."""
    *mods, name = key.split("+") if key != "+" else [key]
    if any(m not in _MODIFIERS for m in mods) or not name:
        return False
    if len(name) == 1:
        return name.isprintable() and not name.isspace() and name != ","
    if name in _NAMED_KEYS or name in _SHORT_CHAR_NAMES:
        return True
    try:
        ch = unicodedata.lookup(name.replace("_", " ").upper())
    except KeyError:
        return False
    return name == name.lower() and ch.isprintable() and not ch.isalnum()


def key_problems(keys: dict[str, str]) -> list[tuple[str, str, str]]:
    """Every problem with remapped keys, as (binding id, its value, why): unknown binding ids, invalid key
    names, and keys that another binding already uses (a clash of two remapped bindings is named once)."""
    problems: list[tuple[str, str, str]] = []
    broken: set[str] = set()
    for binding, value in keys.items():
        if binding not in BINDING_KEYS:
            problems.append((binding, value, "unknown binding id (the ids are listed in the console's help, ?)"))
            broken.add(binding)
            continue
        for key in value.split(","):
            if not key_name_ok(key.strip()):
                problems.append((binding, value, f"{key.strip()!r} is not a key name (e.g. T, ctrl+t, enter, "
                                                 "escape, up, f2, slash)"))
                broken.add(binding)
    effective = {b: [k.strip() for k in (default if b in broken else keys.get(b, default)).split(",")]
                 for b, default in BINDING_KEYS.items()}
    named: set[tuple[frozenset[str], str]] = set()
    for binding in keys:
        if binding in broken:
            continue
        scope = binding.split(".")[0]
        for other, other_keys in effective.items():
            other_scope = other.split(".")[0]
            if other == binding or not (scope == other_scope or scope in _EVERYWHERE
                                        or other_scope in _EVERYWHERE):
                continue
            for key in effective[binding]:
                pair = (frozenset((binding, other)), key)
                if key in other_keys and pair not in named:
                    named.add(pair)
                    problems.append((binding, keys[binding], f"key {key!r} is already used by {other}"))
    order = {b: i for i, b in enumerate(keys)}
    return sorted(problems, key=lambda p: order[p[0]])  # in the file's order


def check_keys(keys: dict[str, str]) -> dict[str, str]:
    """Unknown binding ids, invalid key names and keys that another binding already uses are errors; the
    error lists every problem (``problems`` in its context, one per binding and reason)."""
    problems = key_problems(keys)
    if problems:
        raise PydanticCustomError(
            "keys",
            "{summary}",
            {
                "summary": "; ".join(f"binding {b} = {v!r}: {why}" for b, v, why in problems),
                "problems": [{"key": b, "input": v, "msg": why} for b, v, why in problems],
            },
        )
    return keys


class FloorSettings(BaseModel):
    """The supervisor's console."""

    model_config = ConfigDict(extra="forbid")

    takeover_cap: int = Field(3, ge=1, description="Open takeovers per supervisor above which the console warns.")
    bell: bool = Field(True, description="Ring the terminal bell on a new escalation.")
    tick_hz: float = Field(10.0, gt=0, le=60, description="Redraws of the floor per second.")
    keys: dict[str, str] = Field(
        default_factory=dict,
        description="Remapped keys of the console: binding id = keys, e.g. \"floor.take_over\" = \"T\" (ids in its help).",
    )

    @field_validator("keys")
    @classmethod
    def _valid_keys(cls, keys: dict[str, str]) -> dict[str, str]:
        return check_keys(keys)


class SimulationSettings(BaseModel):
    """The built-in simulated contact centre."""

    model_config = ConfigDict(extra="forbid")

    live_chats: int = Field(20, ge=1, description="Target number of live chats the arrival process keeps.")
    ineligible_share: float = Field(0.1, ge=0, le=1, description="Share of arriving chats with an ineligible intent.")
    wants_human_share: float = Field(0.08, ge=0, le=1, description="Share of customers who want a human from the start.")
    patience_s: float = Field(240.0, gt=0, description="Mean patience of a waiting customer, in seconds.")
    ai_reply_s: float = Field(3.0, gt=0, description="Mean delay of an AI reply, in seconds.")
    second_question_share: float = Field(
        0.25, ge=0, le=1, description="Share of customers who ask a second question once the first is answered."
    )
    customer_think_s: float = Field(25.0, gt=0, description="Mean time a customer takes to answer, in seconds.")
    human_reaction_s: float = Field(12.0, gt=0, description="Mean delay of a simulated supervisor before taking a chat.")
    human_reply_s: float = Field(15.0, gt=0, description="Mean time a simulated supervisor takes to reply.")
    colleagues: int = Field(
        3, ge=0, description="Simulated fellow supervisors on the console's floor: they take escalations you leave."
    )
    colleague_grace_s: float = Field(
        45.0, ge=0, description="How long an escalation waits before a simulated colleague may take it, in seconds."
    )


class AgentSettings(BaseModel):
    """The AI agent. ``claude`` needs ANTHROPIC_API_KEY in the environment (never in this file)."""

    model_config = ConfigDict(extra="forbid")

    name: Literal["rules", "claude"] = Field("rules", description="The AI agent: `rules` (offline) or `claude`.")
    model: str = Field("claude-sonnet-5", min_length=1, description="The Claude model (when name = claude).")
    max_tokens: int = Field(1024, ge=64, description="Most tokens Claude may write per call.")
    timeout_s: float = Field(30.0, gt=0, description="Seconds before one Claude call counts as timed out.")
    max_attempts: int = Field(3, ge=1, le=10, description="Calls per reply before the chat escalates (retries + 1).")
    backoff_s: float = Field(0.5, ge=0, description="First retry delay in seconds; doubles per retry, with jitter.")
    max_backoff_s: float = Field(8.0, ge=0, description="Longest retry delay in seconds (without retry-after).")
    max_retry_after_s: float = Field(
        20.0, ge=0, description="A 429/529 asking to wait longer than this escalates at once instead of waiting."
    )
    concurrency: int = Field(8, ge=1, description="Most Claude calls in flight at once.")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thresholds: Thresholds = Field(default_factory=Thresholds)
    floor: FloorSettings = Field(default_factory=FloorSettings)
    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)


def load_settings(path: Path | None) -> Settings:
    """Read settings from a TOML file; ``None`` gives the defaults. Errors name the file and the field."""
    if path is None:
        return Settings()
    raw = read_toml(path, "config file", ConfigError)
    try:
        return Settings.model_validate(raw)
    except ValidationError as e:
        raise invalid(e, "config file", path, ConfigError) from None


def defaults_toml() -> str:
    """The default settings as a commented TOML document."""
    lines: list[str] = []
    s = Settings()
    sections: tuple[tuple[str, BaseModel], ...] = (
        ("thresholds", s.thresholds), ("floor", s.floor), ("simulation", s.simulation), ("agent", s.agent)
    )
    for section, model in sections:
        lines.append(f"[{section}]")
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            lit = str(value).lower() if isinstance(value, bool) else repr(value)
            lines.append(f"# {field.description}")
            lines.append(f"{name} = {lit}")
        lines.append("")
    return "\n".join(lines)
