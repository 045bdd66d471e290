"""The rules agent: KB answers, calibrated confidence, escalation cues, drafts and briefs."""

from __future__ import annotations

import pytest

from hitl_console.agents.base import Agent, AgentContext, Turn
from hitl_console.agents.rules import RulesAgent, asks_for_human, is_upset
from hitl_console.core.catalogue import Catalogue, load_catalogue
from hitl_console.core.models import Role


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


@pytest.fixture()
def agent(cat: Catalogue) -> RulesAgent:
    return RulesAgent(cat, low_confidence=0.45)


def ctx(*turns: tuple[str, str], intent: str | None = None, order_id: str | None = None) -> AgentContext:
    roles = {"c": Role.CUSTOMER, "a": Role.AI, "h": Role.HUMAN}
    return AgentContext(
        chat_id="c1",
        customer="Mei Lin",
        intent=intent,
        order_id=order_id,
        transcript=[Turn(roles[r], text) for r, text in turns],
    )


def test_is_an_agent(agent: RulesAgent) -> None:
    a: Agent = agent
    assert a.name == "rules"


IN_SCOPE = [
    ("where is my parcel? no tracking number yet", "order_status"),
    ("I want to return these trousers, they don't fit", "return_item"),
    ("my refund still hasn't arrived", "refund_status"),
    ("the lamp arrived broken", "damaged_item"),
    ("my card was declined at checkout", "payment_failed"),
    ("please cancel order #A12000, ordered by mistake", "cancel_order"),
    ("forgot my password and now my account is locked", "account_access"),
    ("coupon code not applied at checkout", "coupon_problem"),
]


@pytest.mark.parametrize(("text", "intent"), IN_SCOPE)
async def test_in_scope_high_confidence(agent: RulesAgent, cat: Catalogue, text: str, intent: str) -> None:
    r = await agent.reply(ctx(("c", text)))
    assert r.intent == intent
    assert r.text == cat.by_id[intent].answer
    assert 0.7 <= r.confidence <= 0.95
    assert not r.needs_human


@pytest.mark.parametrize(
    "text",
    [
        "can you write me a poem about dragons",
        "tell me a joke",
        "what is the capital of France",
        "help me with my math homework",
        "what's the weather in Paris tomorrow",
        "asdf qwerty",
    ],
)
async def test_out_of_scope_low_confidence(agent: RulesAgent, text: str) -> None:
    r = await agent.reply(ctx(("c", text)))
    assert r.confidence < 0.4
    assert not r.needs_human
    assert "?" in r.text  # asks the customer to clarify instead of guessing


async def test_unclear_twice_says_what_it_can_do(agent: RulesAgent) -> None:
    first = await agent.reply(ctx(("c", "tell me a joke")))
    second = await agent.reply(ctx(("c", "tell me a joke"), ("a", first.text), ("c", "a poem then")))
    assert second.text != first.text
    assert second.confidence <= 0.2


@pytest.mark.parametrize(
    ("text", "intent", "reason"),
    [
        ("I'm going to sue you, my lawyer will call", "legal_threat", "legal matter"),
        ("someone used my stolen card on your site", "fraud_report", "fraud"),
        ("delete all my personal data under GDPR", "data_deletion", "privacy request (GDPR)"),
        ("we need a wholesale quote for 500 units", "bulk_business_order", "business sales"),
    ],
)
async def test_ineligible_intent_needs_human(agent: RulesAgent, text: str, intent: str, reason: str) -> None:
    r = await agent.reply(ctx(("c", text)))
    assert r.intent == intent
    assert r.needs_human
    assert r.reason == reason


async def test_answer_loop_lowers_confidence_and_rephrases(agent: RulesAgent, cat: Catalogue) -> None:
    answer = cat.by_id["order_status"].answer
    first = await agent.reply(ctx(("c", "where is my order #A12345?")))
    assert first.text == answer
    again = await agent.reply(
        ctx(("c", "where is my order #A12345?"), ("a", first.text), ("c", "still no tracking for my order"))
    )
    assert again.intent == "order_status"
    assert again.text.startswith("As I mentioned, ")
    assert again.confidence < first.confidence
    third = await agent.reply(
        ctx(
            ("c", "where is my order #A12345?"),
            ("a", first.text),
            ("c", "still no tracking for my order"),
            ("a", again.text),
            ("c", "where is my order??"),
        )
    )
    assert third.confidence < again.confidence < agent.low_confidence + 0.1
    assert third.text != again.text


async def test_unclear_followup_keeps_the_topic(agent: RulesAgent) -> None:
    r = await agent.reply(
        ctx(
            ("c", "I want to return a jacket, changed my mind"),
            ("a", "..."),
            ("c", "I did that already and nothing happened."),
        )
    )
    assert r.intent == "return_item"


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "can I speak to someone please",
        "get me a real person",
        "REPRESENTATIVE",
        "let me talk with an agent, this bot is useless",
        "I want your manager",
    ],
)
async def test_human_request(agent: RulesAgent, text: str) -> None:
    r = await agent.reply(ctx(("c", "where is my refund"), ("a", "..."), ("c", text)))
    assert r.needs_human
    assert r.reason == "customer asked for a human"
    assert "connect" in r.text.lower()


@pytest.mark.parametrize(
    "text", ["where is my order", "it was human error on my side, sorry", "my refund please"]
)
def test_not_a_human_request(text: str) -> None:
    assert not asks_for_human(text)


def test_upset_cues() -> None:
    assert is_upset("This is ridiculous, third time I ask!!")
    assert is_upset("WHERE IS MY MONEY")
    assert not is_upset("Where is my order? Thanks")


async def test_empty_transcript_greets(agent: RulesAgent) -> None:
    r = await agent.reply(ctx())
    assert r.text and not r.needs_human


async def test_reply_is_deterministic(agent: RulesAgent, cat: Catalogue) -> None:
    c = ctx(("c", "my parcel is late"), ("a", "x"), ("c", "still nothing, it's a week late"))
    assert await agent.reply(c) == await RulesAgent(cat).reply(c)


async def test_draft_uses_human_fix_and_apologises_when_upset(agent: RulesAgent, cat: Catalogue) -> None:
    fix = cat.by_id["refund_status"].human_fix[0]
    calm = await agent.draft(ctx(("c", "where is my refund?")))
    assert fix in calm
    assert "sorry" not in calm.lower()
    angry = await agent.draft(
        ctx(
            ("c", "where is my refund?"),
            ("a", "..."),
            ("c", "This is ridiculous, I'm still waiting!!"),
            order_id="A44120",
        )
    )
    assert fix in angry
    assert "sorry" in angry.lower()
    assert "A44120" in angry
    assert angry.startswith("Hi Mei")


async def test_draft_prefers_the_known_intent(agent: RulesAgent, cat: Catalogue) -> None:
    d = await agent.draft(ctx(("c", "hello?"), intent="damaged_item"))
    assert cat.by_id["damaged_item"].human_fix[0] in d


async def test_draft_without_intent(agent: RulesAgent) -> None:
    d = await agent.draft(ctx(("c", "tell me a joke")))
    assert "?" in d


async def test_brief(agent: RulesAgent, cat: Catalogue) -> None:
    first = cat.by_id["order_status"].answer
    b = await agent.brief(
        ctx(
            ("c", "where is my order #A55810?"),
            ("a", first),
            ("c", "there's no tracking number"),
            ("a", "As I mentioned, " + first),
            ("c", "this is useless, I want a human!!"),
            order_id="A55810",
        )
    )
    lines = b.splitlines()
    assert 4 <= len(lines) <= 12
    assert "Where is my order" in b and "order_status" in b
    assert "Customer turns: 3" in b
    assert "A55810" in b
    assert "customer asked for a human" in b
    assert first[:40] in b and "..." in b  # the AI's answers, truncated
    assert all(len(line) <= 120 for line in lines)


async def test_brief_ineligible_and_loop(agent: RulesAgent, cat: Catalogue) -> None:
    b = await agent.brief(ctx(("c", "I'm going to sue you, see you in court")))
    assert "legal_threat" in b and "legal matter" in b
    ans = cat.by_id["invoice_request"].answer
    loop = await agent.brief(
        ctx(
            ("c", "I need an invoice"),
            ("a", ans),
            ("c", "I need the invoice"),
            ("a", "As I mentioned, " + ans),
            ("c", "invoice??"),
        )
    )
    assert "loop" in loop


async def test_brief_says_why_from_the_trigger(agent: RulesAgent) -> None:
    R = Role
    ctx = AgentContext(
        chat_id="c1",
        customer="Ana",
        intent="order_status",
        transcript=[Turn(R.CUSTOMER, "Where is my order?"), Turn(R.CUSTOMER, "Still waiting...")],
        trigger="customer_request",
        trigger_reason="customer asked for a human",
    )
    brief = await agent.brief(ctx)
    assert "Why: customer request escalation: customer asked for a human" in brief
