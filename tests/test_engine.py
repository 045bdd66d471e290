"""The floor state machine: legal moves, refusals, triggers and the events they emit."""

from __future__ import annotations

import pytest

from hitl_console.core.clock import SimClock
from hitl_console.core.engine import CommandRefused, Floor
from hitl_console.core.models import ChatStatus, Event, EventType, Role, TakeoverKind, Trigger


def _events(floor: Floor) -> list[Event]:
    seen: list[Event] = []
    floor.subscribe(seen.append)
    return seen


def test_ai_chat_escalates_on_low_confidence_and_is_taken_over(floor: Floor, clock: SimClock) -> None:
    seen = _events(floor)
    chat = floor.open_chat("c1", "Ana", "Where is my order? It has not arrived.")
    assert chat.status is ChatStatus.AI and chat.eligible
    floor.add_message("c1", Role.AI, "It is on its way.", confidence=0.9)
    assert chat.status is ChatStatus.AI
    clock.advance(5)
    floor.add_message("c1", Role.AI, "I am not sure.", confidence=0.2)
    assert chat.status is ChatStatus.ESCALATED
    assert chat.trigger is Trigger.TECHNICAL
    clock.advance(12)
    tk = floor.take_over("c1", "mia")
    assert tk.kind is TakeoverKind.ESCALATION and tk.trigger is Trigger.TECHNICAL
    assert chat.status is ChatStatus.HUMAN and chat.holder == "mia"
    assigned = [e for e in seen if e.type is EventType.CHAT_ASSIGNED][0]
    assert assigned.data["wait_s"] == pytest.approx(12.0)
    assert assigned.data["confidence"] == pytest.approx(0.2)


def test_proactive_takeover_from_ai(floor: Floor) -> None:
    floor.open_chat("c1", "Ana", "I want to return these shoes")
    tk = floor.take_over("c1", "mia")
    assert tk.kind is TakeoverKind.PROACTIVE and tk.trigger is None
    assert floor.chats["c1"].status is ChatStatus.HUMAN


def test_ineligible_chat_goes_straight_to_the_queue(floor: Floor) -> None:
    chat = floor.open_chat("c1", "Bo", "hi", intent="legal_threat")
    assert not chat.eligible
    assert chat.status is ChatStatus.ESCALATED
    assert chat.trigger is Trigger.INELIGIBLE


def test_blocked_keyword_makes_a_chat_ineligible(floor: Floor) -> None:
    chat = floor.open_chat("c1", "Bo", "Where is my order? Otherwise I go to court.", intent="order_status")
    assert chat.intent == "order_status"
    assert chat.status is ChatStatus.ESCALATED and chat.trigger is Trigger.INELIGIBLE
    assert chat.route_reason == "keyword: court"


def test_customer_request_trigger(floor: Floor) -> None:
    floor.open_chat("c1", "Bo", "Where is my parcel?")
    floor.add_message("c1", Role.CUSTOMER, "Can I talk to a human please?")
    assert floor.chats["c1"].trigger is Trigger.CUSTOMER_REQUEST


def test_emotional_trigger_when_frustration_crosses_threshold(floor: Floor) -> None:
    floor.thresholds.frustration = 0.0  # any customer message is at or above it
    floor.open_chat("c2", "Bo", "Where is my parcel?")
    chat = floor.chats["c2"]
    assert chat.status is ChatStatus.ESCALATED and chat.trigger is Trigger.EMOTIONAL


def test_refusals_change_nothing(floor: Floor) -> None:
    floor.open_chat("c1", "Ana", "Where is my order?")
    with pytest.raises(CommandRefused, match="not held"):
        floor.hand_back("c1", "mia")
    floor.take_over("c1", "mia")
    with pytest.raises(CommandRefused, match="held by mia"):
        floor.take_over("c1", "tom")
    with pytest.raises(CommandRefused, match="not tom"):
        floor.send_human("c1", "tom", "hello")
    with pytest.raises(CommandRefused, match="empty"):
        floor.send_human("c1", "mia", "   ")
    version = floor.chats["c1"].version
    with pytest.raises(CommandRefused):
        floor.resolve("c1", "tom")
    assert floor.chats["c1"].version == version
    floor.resolve("c1", "mia", rating=4)
    for cmd in (
        lambda: floor.take_over("c1", "mia"),
        lambda: floor.hand_back("c1", "mia"),
        lambda: floor.send_human("c1", "mia", "hi"),
        lambda: floor.add_message("c1", Role.CUSTOMER, "hi"),
        lambda: floor.close("c1", Role.AI),
    ):
        with pytest.raises(CommandRefused, match="closed"):
            cmd()
    with pytest.raises(CommandRefused, match="no chat"):
        floor.take_over("nope", "mia")
    with pytest.raises(CommandRefused, match="already open"):
        floor.open_chat("c1", "Ana", "again")


def test_hand_back_returns_to_ai_and_counts_human_messages(floor: Floor, clock: SimClock) -> None:
    seen = _events(floor)
    floor.open_chat("c1", "Ana", "Where is my order?")
    floor.take_over("c1", "mia")
    clock.advance(3)
    floor.send_human("c1", "mia", "Let me check that for you.")
    floor.send_human("c1", "mia", "It ships tomorrow.")
    tk = floor.chats["c1"].takeover
    assert tk is not None and tk.human_messages == 2 and tk.first_reply_at == clock.now()
    floor.hand_back("c1", "mia")
    chat = floor.chats["c1"]
    assert chat.status is ChatStatus.AI and chat.holder is None and chat.takeover is None
    released = [e for e in seen if e.type is EventType.CHAT_RELEASED][0]
    assert released.data["human_messages"] == 2
    # Two takeovers in one chat are two records.
    second = floor.take_over("c1", "tom")
    assert second.id != released.data["takeover_id"]


def test_rating_must_be_1_to_5(floor: Floor) -> None:
    floor.open_chat("c1", "Ana", "Where is my order?")
    with pytest.raises(CommandRefused, match="rating"):
        floor.close("c1", Role.AI, rating=7)
    assert floor.chats["c1"].status is ChatStatus.AI


def test_scores_are_attached_to_messages(floor: Floor) -> None:
    floor.open_chat("c1", "Ana", "Where is my order?")
    calm = floor.add_message("c1", Role.CUSTOMER, "Thanks, that is helpful.")
    floor.add_message("c1", Role.AI, "Happy to help.", confidence=0.8)
    angry = floor.add_message("c1", Role.CUSTOMER, "THIS IS THE THIRD TIME!!! Useless, ridiculous service.")
    assert calm.frustration is not None and angry.frustration is not None
    assert 0.0 <= calm.frustration < angry.frustration <= 1.0
    ai = floor.chats["c1"].messages[2]
    assert ai.confidence == pytest.approx(0.8) and ai.frustration is None
    assert all(m.risk is not None and 0.0 <= m.risk <= 1.0 for m in floor.chats["c1"].messages)


def test_agent_error_escalates_as_technical(floor: Floor) -> None:
    seen = _events(floor)
    floor.open_chat("c1", "Ana", "Where is my order?")
    floor.agent_error("c1", "timeout after 3 attempts")
    chat = floor.chats["c1"]
    assert chat.status is ChatStatus.ESCALATED and chat.trigger is Trigger.TECHNICAL
    assert "timeout" in chat.trigger_reason
    assert any(e.type is EventType.AGENT_ERROR for e in seen)


def test_forget_closed_keeps_live_chats(floor: Floor) -> None:
    floor.open_chat("c1", "Ana", "Where is my order?")
    floor.open_chat("c2", "Bo", "Where is my order?")
    floor.close("c1", Role.AI, rating=5)
    assert floor.forget_closed() == 1
    assert list(floor.chats) == ["c2"]
    assert floor.closed_count == 1


def test_an_ineligible_chat_handed_back_returns_to_the_queue(floor: Floor, clock: SimClock) -> None:
    seen = _events(floor)
    floor.open_chat("c1", "Bo", "my card was stolen and used here", intent="fraud_report")
    floor.take_over("c1", "mia")
    clock.advance(30)
    floor.hand_back("c1", "mia")
    chat = floor.chats["c1"]
    assert chat.status is ChatStatus.ESCALATED and chat.holder is None
    assert chat.trigger is Trigger.INELIGIBLE and chat.trigger_at == clock.now()
    assert [e.data["to"] for e in seen if e.type is EventType.CHAT_RELEASED] == ["queue"]
    tk = floor.take_over("c1", "tom")  # another human takes it from the queue
    assert tk.kind is TakeoverKind.ESCALATION and tk.trigger is Trigger.INELIGIBLE
