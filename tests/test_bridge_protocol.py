"""The protocol's bodies: parsing, refusals, sanitising, and docs/bridge.md in sync with the models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hitl_console.bridge import docgen
from hitl_console.bridge.protocol import (
    EVENT_MODELS,
    ChatClosed,
    ChatOpened,
    MalformedEvent,
    MessageEvent,
    TakeoverCommand,
    UnknownEvent,
    parse_event,
    schemas,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "bridge.md"


def ev(**body: object) -> str:
    return json.dumps(body)


def test_each_event_type_parses_to_its_model() -> None:
    samples: dict[str, dict[str, Any]] = {
        "chat.opened": {"customer": "Ana", "channel": "app", "intent": "refund_status", "eligible": False, "text": "hi"},
        "message": {"role": "ai", "text": "Hello", "confidence": 0.3, "sent_at": 1.5},
        "chat.escalated": {"trigger": "emotional", "reason": "angry"},
        "chat.assigned": {"supervisor": "ana"},
        "chat.released": {},
        "chat.closed": {"resolved_by": None, "abandoned": True},
    }
    assert set(samples) == set(EVENT_MODELS)
    for kind, body in samples.items():
        parsed = parse_event(ev(type=kind, chat_id="C1", **body))
        assert isinstance(parsed, EVENT_MODELS[kind])
        assert parsed.chat_id == "C1"
    opened = parse_event(ev(type="chat.opened", chat_id="C1", customer="Ana"))
    assert isinstance(opened, ChatOpened) and opened.channel == "chat" and opened.eligible is None


def test_extra_fields_are_ignored_and_unknown_types_are_not_errors() -> None:
    m = parse_event(ev(type="message", chat_id="C1", role="customer", text="x", sent_at=1, lang="en"))
    assert isinstance(m, MessageEvent)
    u = parse_event(ev(type="chat.typing", chat_id="C1"))
    assert isinstance(u, UnknownEvent) and u.type == "chat.typing"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (ev(chat_id="C1"), "no `type`"),
        (ev(type="message", role="ai", text="x", sent_at=1), "chat_id"),
        (ev(type="message", chat_id="C1", role="robot", text="x", sent_at=1), "role"),
        (ev(type="message", chat_id="C1", role="ai", text="x", confidence=1.5, sent_at=1), "confidence"),
        (ev(type="message", chat_id="C1", role="ai", text="x"), "sent_at"),
        (ev(type="chat.closed", chat_id="C1", resolved_by="ai", rating=6), "rating"),
        (ev(type="chat.closed", chat_id="C1"), "resolved_by"),
        (ev(type="chat.escalated", chat_id="C1", trigger="boredom"), "trigger"),
        (ev(type="chat.assigned", chat_id="C1", supervisor=""), "supervisor"),
    ],
)
def test_malformed_events_name_the_problem(data: str, needle: str) -> None:
    with pytest.raises(MalformedEvent) as err:
        parse_event(data)
    assert needle in str(err.value)


def test_malformed_event_keeps_the_chat_id_when_it_can() -> None:
    with pytest.raises(MalformedEvent) as err:
        parse_event(ev(type="message", chat_id="C7", role="robot", text="x", sent_at=1))
    assert err.value.chat_id == "C7"


def test_untrusted_text_loses_control_characters() -> None:
    m = parse_event(ev(type="message", chat_id="C\x1b1", role="customer", text="red\x1b[31m\x07 ok\nline 2\tx", sent_at=1))
    assert isinstance(m, MessageEvent)
    assert m.text == "red[31m ok\nline 2\tx"
    assert m.chat_id == "C1"
    o = parse_event(ev(type="chat.opened", chat_id="C2", customer="Eve\r\n\x9b2J"))
    assert isinstance(o, ChatOpened) and o.customer == "Eve2J"


def test_closed_allows_null_resolved_by_and_commands_validate() -> None:
    c = parse_event(ev(type="chat.closed", chat_id="C1", resolved_by=None, rating=2))
    assert isinstance(c, ChatClosed) and c.resolved_by is None and c.rating == 2 and not c.abandoned
    with pytest.raises(ValueError):
        TakeoverCommand.model_validate({"supervisor": "ana", "kind": "sneaky"})


def test_docs_have_the_current_schemas() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert docgen.updated(text) == text, "run: python -m hitl_console.bridge.docgen"
    for name in schemas():
        assert f"### `{name}`" in text


def test_docgen_check_notices_a_stale_doc(tmp_path: Path) -> None:
    stale = tmp_path / "bridge.md"
    stale.write_text(f"# x\n\n{docgen.START}\nold\n{docgen.END}\n", encoding="utf-8")
    assert docgen.main(["--check", str(stale)]) == 1
    assert docgen.main([str(stale)]) == 0
    assert docgen.main(["--check", str(stale)]) == 0
    assert '"const": "chat.opened"' in stale.read_text(encoding="utf-8")
