"""``hitl-console signals``: score past transcripts and route requests with the floor's own signal code.

    hitl-console signals score --input dialogues.jsonl --output scored.jsonl
    hitl-console signals route --input requests.jsonl --output routed.jsonl [--intents examples.jsonl]

No Textual here: the main CLI imports this module lazily.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, TextIO

import click

from hitl_console.errors import InputError

_PATH = click.Path(dir_okay=False, path_type=Path)


STD = Path("-")  # --input - reads stdin, --output - writes stdout


def _name(path: Path) -> str:
    """How messages name a file (stdin/stdout for ``-``)."""
    return "<stdin>" if path == STD else str(path)


def _open_in(path: Path) -> AbstractContextManager[TextIO]:
    if path == STD:
        return nullcontext(sys.stdin)
    try:
        return path.open(encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None


def _open_out(path: Path) -> AbstractContextManager[TextIO]:
    if path == STD:
        return nullcontext(sys.stdout)
    try:
        return path.open("w", encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of every non-blank line; a broken line is an InputError naming file:line."""
    where = _name(path)
    with _open_in(path) as fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f"{where}:{n}: not valid JSON ({e.msg}, column {e.colno})") from None
                if not isinstance(obj, dict):
                    raise InputError(f"{where}:{n}: expected a JSON object, got {type(obj).__name__}")
                yield n, obj
        except UnicodeDecodeError:
            raise InputError(f"{where}: not UTF-8 text") from None


def _text(obj: dict[str, Any], key: str, where: str) -> str:
    v = obj.get(key)
    if not isinstance(v, str):
        raise InputError(f"{where}: field {key!r} must be a string")
    return v


def score_dialogue(obj: dict[str, Any], where: str) -> dict[str, Any]:
    """Add ``frustration`` to every customer turn and ``risk`` to every turn (in place; returned)."""
    from hitl_console.signals import ChatSignals

    turns = obj.get("turns")
    if not isinstance(turns, list):
        raise InputError(f"{where}: field 'turns' must be a list of {{role, text}} objects")
    sig = ChatSignals()
    for i, turn in enumerate(turns):
        at = f"{where}: turns[{i}]"
        if not isinstance(turn, dict):
            raise InputError(f"{at}: expected an object with 'role' and 'text'")
        role = turn.get("role")
        text = _text(turn, "text", at)
        if role == "customer":
            turn["frustration"] = round(sig.add_customer(text), 4)
        elif role == "agent":
            conf = turn.get("confidence")
            sig.add_agent(text, float(conf) if isinstance(conf, int | float) else None)
        else:
            raise InputError(f'{at}: \'role\' must be "customer" or "agent", got {role!r}')
        turn["risk"] = round(sig.risk, 4)
    return obj


def _out_name(path: Path) -> str:
    return "<stdout>" if path == STD else str(path)


def _write(out: TextIO, obj: dict[str, Any]) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


@click.group()
def signals() -> None:
    """Score past transcripts (frustration, escalation risk) and route requests (eligibility)."""


@signals.command()
@click.option("--input", "input_", type=_PATH, required=True, help="JSONL: {id, turns: [{role, text}]} (- for stdin)")
@click.option("--output", type=_PATH, required=True, help="JSONL with frustration and risk added (- for stdout).")
def score(input_: Path, output: Path) -> None:
    """Add frustration (customer turns) and risk (every turn) to each dialogue.

    risk is the probability that one of the next 3 customer turns is frustrated, from the turns so far.
    """
    rows = [(n, score_dialogue(obj, f"{_name(input_)}:{n}")) for n, obj in read_jsonl(input_)]
    with _open_out(output) as out:
        for _, obj in rows:
            _write(out, obj)
    click.echo(f"scored {len(rows)} dialogues -> {_out_name(output)}", err=True)


def load_intents(path: Path) -> list[tuple[str, str]]:
    examples: list[tuple[str, str]] = []
    for n, obj in read_jsonl(path):
        where = f"{path}:{n}"
        examples.append((_text(obj, "text", where), _text(obj, "intent", where)))
    if not examples:
        raise InputError(f"{path}: no intent examples")
    return examples


def catalogue_examples() -> list[tuple[str, str]]:
    """The shipped shop catalogue's AI-eligible intents, as (example text, intent id)."""
    from hitl_console.core.catalogue import load_catalogue

    cat = load_catalogue()
    return [(ex, i.id) for i in cat.intents if i.eligible for ex in i.examples]


@signals.command()
@click.option("--input", "input_", type=_PATH, required=True, help="JSONL: {id, text} (- for stdin)")
@click.option("--output", type=_PATH, required=True, help="JSONL with eligible and intent added (- for stdout).")
@click.option("--intents", type=_PATH, default=None, help="JSONL {text, intent}: the supported intents.")
def route(input_: Path, output: Path, intents: Path | None) -> None:
    """Add eligible (0..1: within the supported intents) and intent (the best supported one)."""
    from hitl_console.signals.routing import IntentRouter

    examples = load_intents(intents) if intents is not None else catalogue_examples()
    router = IntentRouter(examples)
    rows = []
    for n, obj in read_jsonl(input_):
        r = router.route(_text(obj, "text", f"{_name(input_)}:{n}"))
        obj["eligible"] = round(r.score, 4)
        obj["intent"] = r.intent
        rows.append(obj)
    with _open_out(output) as out:
        for obj in rows:
            _write(out, obj)
    click.echo(f"routed {len(rows)} requests -> {_out_name(output)}", err=True)
