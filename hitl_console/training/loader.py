"""Read scenario and actions files: TOML syntax, the pydantic schema, then the cross-references (branches to
missing turns, unknown rules, timeline cycles). Every error is one line ``FILE:LINE: PATH: what is wrong``."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hitl_console.errors import InputError
from hitl_console.training.schema import Actions, ChatScript, Condition, Scenario
from hitl_console.training.toml_lines import Path as Loc
from hitl_console.training.toml_lines import dotted, index_lines, line_of

M = TypeVar("M", bound=BaseModel)
_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_EOF = re.compile(r"\s*\(at end of document\)\s*$")


class ScenarioError(InputError):
    """A scenario or actions file that cannot be used; the message names file, line, field and problem."""


def _where(path: Path, index: dict[Loc, int], loc: Loc) -> str:
    line = line_of(index, loc)
    head = f"{path}:{line}" if line is not None else str(path)
    return f"{head}: {dotted(loc)}" if loc else head


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise ScenarioError(f"{path}: {e.strerror or e}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = _TOML_POS.search(msg)
        if m:
            raise ScenarioError(
                f"{path}:{m.group(1)}: bad TOML syntax: {msg[: m.start()]} (column {m.group(2)})"
            ) from None
        m = _TOML_EOF.search(msg)
        raise ScenarioError(f"{path}: bad TOML syntax: {msg[: m.start()] if m else msg} (at the end)") from None


def _validate(model: type[M], path: Path, text: str, raw: dict[str, Any]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        lines = index_lines(text)
        out = []
        for err in e.errors():
            loc = tuple(x for x in err["loc"] if isinstance(x, str | int))
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "required field missing"
            elif err["type"] in _TYPE_ERRORS:
                msg = f"{_TYPE_ERRORS[err['type']]}, not {_toml_kind(err['input'])}"
            out.append(f"{_where(path, lines, loc)}: {msg}")
        raise ScenarioError(_one_a_line(out)) from None


_TYPE_ERRORS = {
    "bool_type": "should be true or false",
    "int_type": "should be a whole number",
    "float_type": "should be a number",
    "string_type": "should be a string (in quotes)",
    "list_type": "should be an array ([...])",
    "dict_type": "should be a table",
    "model_type": "should be a table",
    "model_attributes_type": "should be a table",
}


def _toml_kind(value: object) -> str:
    """What a TOML value is, as an error message names it: ``the string "8"``, ``the integer 1``..."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f'the string "{_printable(shown)}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return f"a {type(value).__name__}"  # dates and times


def _printable(text: str) -> str:
    """A value quoted in an error message: control characters shown as '?'."""
    return "".join("?" if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 else c for c in text)


def _one_a_line(errors: list[str]) -> str:
    """Every error on its own ``FILE:LINE: ...`` line (the first is printed after the error prefix)."""
    return "\n".join(dict.fromkeys(errors))


# -- cross-references ---------------------------------------------------------------------------------
def _condition_problems(
    cond: Condition, ids: set[str], rules: set[str], loc: Loc
) -> Iterator[tuple[Loc, str]]:
    for name in ("before", "after"):
        ref = getattr(cond, name)
        if ref is not None and ref not in ids:
            yield (*loc, name), f"no turn '{ref}' in this chat"
    for i, ref in enumerate(cond.last_turn):
        if ref not in ids:
            yield (*loc, "last_turn", i), f"no turn '{ref}' in this chat"
    if cond.match is not None:
        if cond.on != "reply":
            yield (*loc, "match"), "only a 'reply' can match a rule"
        elif cond.match not in rules:
            yield (*loc, "match"), f"no rule '{cond.match}' in [rules]"
    for name in ("said", "missing"):
        for i, ref in enumerate(getattr(cond, name)):
            if ref not in rules:
                yield (*loc, name, i), f"no rule '{ref}' in [rules]"
    if cond.kind is not None and cond.on != "take_over":
        yield (*loc, "kind"), "only a 'take_over' has a kind"


def _cycle(chat: ChatScript) -> list[str] | None:
    """A loop in the self-playing timeline (which would never end), as the list of its turn ids."""
    ids = chat.turn_ids()
    state = [0] * len(chat.turns)  # 0 new, 1 on the current path, 2 done
    for start in range(len(chat.turns)):
        path: list[int] = []
        i: int | None = start
        while i is not None and state[i] == 0:
            state[i] = 1
            path.append(i)
            i = chat.successor(i)
        if i is not None and state[i] == 1:
            loop = path[path.index(i) :]
            return [ids[j] for j in loop] + [ids[i]]
        for j in path:
            state[j] = 2
    return None


def _window_order(chat: ChatScript) -> str | None:
    """A window that closes before (or as) it opens, on the timeline nobody intervenes in; None if fine.

    The window opens when its ``opens`` turn has played and closes when its ``closes`` turn has played, so
    ``closes`` must come after ``opens``. Turns on separate branch-only paths cannot be ordered and pass."""
    w = chat.expect.window
    ids = chat.turn_ids()
    if w.opens is None or w.closes is None or w.opens not in ids or w.closes not in ids:
        return None
    o, c = ids.index(w.opens), ids.index(w.closes)
    after_opens = chat.plays_after(o)
    if c in after_opens:
        if after_opens[c] > 0:
            return None
        if c == o:
            return f"the window opens and closes at the same turn ('{w.opens}'): no takeover could be in it"
        return f"the window closes at '{w.closes}', which plays at the moment '{w.opens}' opens it (no delay)"
    after_closes = chat.plays_after(c)
    if o in after_closes:
        return (
            f"the window closes before it opens: '{w.closes}' plays {after_closes[o]:g} s before "
            f"'{w.opens}' (closes must be a later turn than opens)"
        )
    return None


def _chat_problems(chat: ChatScript, rules: set[str], loc: Loc) -> Iterator[tuple[Loc, str]]:
    ids = chat.turn_ids()
    seen: set[str] = set()
    for i, (tid, turn) in enumerate(zip(ids, chat.turns, strict=True)):
        tloc: Loc = (*loc, "turns", i)
        if tid in seen:
            yield (*tloc, "id"), f"turn id '{tid}' is used twice in this chat"
        seen.add(tid)
        if turn.role == "ai" and turn.confidence is None:
            yield (*tloc, "confidence"), "an AI turn needs a confidence (0-1)"
        if turn.role == "customer" and turn.confidence is not None:
            yield (*tloc, "confidence"), "only AI turns carry a confidence"
        if turn.next is not None and turn.next != "wait" and turn.next not in ids:
            yield (*tloc, "next"), f"no turn '{turn.next}' in this chat"
        if turn.next is not None and turn.end is not None:
            yield (*tloc, "next"), "a turn that ends the chat has no next turn"
        if turn.rating is not None and turn.end is None:
            yield (*tloc, "rating"), "a rating belongs to a turn that ends the chat (set end)"
    if chat.turns[0].role != "customer":
        yield (*loc, "turns", 0, "role"), "a chat opens with a customer turn"
    loop = _cycle(chat)
    if loop is not None:
        at = ids.index(loop[0])
        yield (*loc, "turns", at), "the timeline loops forever: " + " -> ".join(loop)
    ids_set = set(ids)
    for i, br in enumerate(chat.branches):
        bloc: Loc = (*loc, "branches", i)
        yield from _condition_problems(br, ids_set, rules, bloc)
        if br.on == "resolve":
            if br.goto is not None:
                yield (*bloc, "goto"), "resolving ends the chat: a 'resolve' branch has no goto"
        else:
            if br.goto is None:
                yield bloc, f"a '{br.on}' branch needs a goto"
            elif br.goto not in ids_set:
                yield (*bloc, "goto"), f"branch to a missing turn: no turn '{br.goto}' in this chat"
            if br.rating is not None:
                yield (*bloc, "rating"), "only a 'resolve' branch sets a rating"
    ex = chat.expect
    for i, av in enumerate(ex.avoid):
        yield from _condition_problems(av, ids_set, rules, (*loc, "expect", "avoid", i))
    for name in ("opens", "closes"):
        ref = getattr(ex.window, name)
        if ref is not None and ref not in ids_set:
            yield (*loc, "expect", "window", name), f"no turn '{ref}' in this chat"
    order = _window_order(chat)
    if order is not None:
        yield (*loc, "expect", "window", "closes"), order
    if ex.window.closes is not None and ex.window.closes_after_s is not None:
        yield (*loc, "expect", "window", "closes_after_s"), "give closes or closes_after_s, not both"
    for i, ref in enumerate(ex.say):
        if ref not in rules:
            yield (*loc, "expect", "say", i), f"no rule '{ref}' in [rules]"


def scenario_problems(sc: Scenario) -> Iterator[tuple[Loc, str]]:
    """Everything the schema alone cannot check, as (path, message)."""
    for name, rule in sc.rules.items():
        if not rule.any and not rule.all:
            yield ("rules", name), "a rule needs terms in 'any' or 'all'"
        for key in ("any", "all", "none"):
            for i, term in enumerate(getattr(rule, key)):
                if not term.strip(" *"):
                    yield ("rules", name, key, i), "an empty term"
    seen: set[str] = set()
    rules = set(sc.rules)
    for i, chat in enumerate(sc.chats):
        if chat.id in seen:
            yield ("chats", i, "id"), f"chat id '{chat.id}' is used twice"
        seen.add(chat.id)
        if chat.start >= sc.duration_s:
            yield ("chats", i, "start"), f"opens after the scenario ends (duration_s = {sc.duration_s:g})"
        yield from _chat_problems(chat, rules, ("chats", i))


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; raises :class:`ScenarioError` naming file, line and field."""
    path = Path(path)
    text, raw = _read(path)
    if "actions" in raw and "chats" not in raw:
        raise ScenarioError(f"{path}: an actions file, not a scenario (check it with: scenarios validate SCENARIO --actions)")
    sc = _validate(Scenario, path, text, raw)
    problems = list(scenario_problems(sc))
    if problems:
        lines = index_lines(text)
        raise ScenarioError(_one_a_line([f"{_where(path, lines, loc)}: {msg}" for loc, msg in problems]))
    return sc


def load_actions(path: Path, scenario: Scenario) -> Actions:
    """Read a scripted trainee's actions and check them against the scenario."""
    path = Path(path)
    text, raw = _read(path)
    if "chats" in raw and "actions" not in raw:
        raise ScenarioError(f"{path}: a scenario file, not an actions file")
    acts = _validate(Actions, path, text, raw)
    chats = {c.id: c for c in scenario.chats}
    for i, a in enumerate(acts.actions):
        loc: Loc = ("actions", i)
        problem: tuple[Loc, str] | None = None
        chat_id = a.chat
        if chat_id is None and len(chats) > 1:
            problem = loc, "the scenario has several chats: say which (chat = ...)"
        elif chat_id is not None and chat_id not in chats:
            problem = (*loc, "chat"), f"no chat '{chat_id}' in the scenario"
        elif a.at is not None and a.after is not None:
            problem = (*loc, "after"), "give at or after, not both"
        elif a.after is not None and a.after not in chats[chat_id or scenario.chats[0].id].turn_ids():
            problem = (*loc, "after"), f"no turn '{a.after}' in chat {chat_id or scenario.chats[0].id}"
        elif a.do == "send" and not (a.text or "").strip():
            problem = (*loc, "text"), "a 'send' needs a text"
        elif a.do != "send" and a.text is not None:
            problem = (*loc, "text"), f"only a 'send' has a text, not '{a.do}'"
        if problem is not None:
            raise ScenarioError(f"{_where(path, index_lines(text), problem[0])}: {problem[1]}")
    return acts
