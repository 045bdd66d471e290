"""Faults of the Claude API on a logged floor: each one is retried within bounds, then the chat escalates
as ``technical`` with the reason, the agent shows as degraded, nothing logged is lost, and the API key
reaches neither the log nor an export nor an error message."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from fake_anthropic import FakeAnthropic, Step, error, refusal, reply_tool, stall, text, tool_use

from hitl_console.agents.claude_agent import ClaudeAgent
from hitl_console.cli import cli
from hitl_console.config import Settings
from hitl_console.core.models import ChatStatus, Role
from hitl_console.runtime import SimRuntime, build_sim
from hitl_console.sources.supervisors import SupervisorPolicy

KEY = "sk-ant-test-SECRET-9f8e7d6c5b4a"
SEED = 1  # chat C00001 of this seed goes to the AI (an eligible topic, a customer who does not ask for a human)
ORDER = "#A75054"  # its order on file


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as f:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", f.url)
        yield f


@pytest.fixture()
async def rt(fake: FakeAnthropic, tmp_path: Path) -> AsyncIterator[SimRuntime]:
    settings = Settings.model_validate({"agent": {"timeout_s": 0.3, "backoff_s": 0.5, "max_retry_after_s": 20}})
    runtime = build_sim(settings, seed=SEED, db=tmp_path / "log.db", agent="claude", max_chats=1, start=1.8e9)
    assert isinstance(runtime.sim.agent, ClaudeAgent)
    runtime.sim.agent.sleep = Sleeps()
    yield runtime
    runtime.close()
    await runtime.sim.agent.aclose()


def agent(rt: SimRuntime) -> ClaudeAgent:
    assert isinstance(rt.sim.agent, ClaudeAgent)
    return rt.sim.agent


async def first_ai_turn(rt: SimRuntime) -> None:
    """Run the simulation until the AI has answered chat C00001 or the chat has left the AI."""
    await rt.sim.step()  # the arrival
    chat = rt.floor.chats["C00001"]
    assert chat.status is ChatStatus.AI, "the seed's first chat should go to the AI"
    while chat.status is ChatStatus.AI and not any(m.role is Role.AI for m in chat.messages):
        assert await rt.sim.step()
    assert rt.store is not None
    rt.store.flush()


def log_rows(rt: SimRuntime, table: str) -> list[dict[str, Any]]:
    assert rt.store is not None
    return list(sqlite_utils.Database(rt.store.path)[table].rows_where(order_by="id" if table != "chats" else None))


FAULTS = {
    "429 with retry-after": ([error(429, "rate_limit_error", headers={"retry-after": "1"})] * 3, "rate_limited", 3),
    "529 overloaded": ([error(529, "overloaded_error")] * 3, "overloaded", 3),
    "500 server error": ([error(500, "api_error")] * 3, "server_error", 3),
    "503 then 502": ([error(503, "api_error"), error(502, "api_error"), error(503, "api_error")], "server_error", 3),
    "timeout": ([stall(1.0)] * 3, "timeout", 3),
    "malformed tool input": (
        [tool_use("reply", {"text": "ok", "confidence": "very high", "needs_human": False, "reason": ""})] * 3,
        "malformed", 3,
    ),
    "no tool call": ([text("Sure, here is my answer without the tool.")] * 3, "malformed", 3),
    "not JSON": ([Step(raw=b"<html>upstream error</html>")] * 3, "malformed", 3),
    "refusal (not retried)": ([refusal()], "refusal", 1),
    "retry-after too long": ([error(429, "rate_limit_error", headers={"retry-after": "120"})], "rate_limited", 1),
    "bad request (not retried)": ([error(400, "invalid_request_error")], "bad_request", 1),
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_fault_escalates_the_chat_as_technical(fault: str, rt: SimRuntime, fake: FakeAnthropic) -> None:
    steps, outcome, calls = FAULTS[fault]
    fake.push(*steps)
    await first_ai_turn(rt)

    assert len(fake.requests) == calls  # bounded: never more than max_attempts calls
    assert fake.pending == 0
    chat = rt.floor.chats["C00001"]
    assert chat.status is ChatStatus.ESCALATED
    assert chat.trigger is not None and chat.trigger.value == "technical"
    assert chat.trigger_reason.startswith("agent error: ")
    health = agent(rt).health
    assert health.state == "degraded" and health.last_error and health.failures == 1

    # The waits: retry-after respected exactly; otherwise exponential backoff with jitter.
    waits = agent(rt).sleep
    assert isinstance(waits, Sleeps) and len(waits) == calls - 1
    if fault == "429 with retry-after":
        assert waits == [1.0, 1.0]
    elif calls == 3:
        assert 0.4 <= waits[0] <= 0.6 and 0.8 <= waits[1] <= 1.2

    # The log: the customer's message, no AI message, the agent.error with every attempt, the escalation.
    roles = [m["role"] for m in log_rows(rt, "messages")]
    assert roles == ["customer"]
    events = log_rows(rt, "events")
    err = [json.loads(e["data"]) for e in events if e["type"] == "agent.error"]
    assert len(err) == 1
    assert err[0]["outcome"] == outcome and err[0]["agent"] == "claude"
    assert [a["n"] for a in err[0]["attempts"]] == list(range(1, calls + 1))
    assert err[0]["attempts"][-1]["outcome"] == outcome
    assert err[0]["error"] == health.last_error
    esc = [json.loads(e["data"]) for e in events if e["type"] == "chat.escalated"]
    assert esc == [{"trigger": "technical", "reason": f"agent error: {health.last_error}"}]
    [row] = log_rows(rt, "chats")
    assert row["status"] == "escalated" and row["first_trigger"] == "technical"


async def test_nothing_is_lost_and_a_human_takes_over_after_a_fault(rt: SimRuntime, fake: FakeAnthropic) -> None:
    fake.push(*[error(529, "overloaded_error")] * 3)
    await first_ai_turn(rt)
    a = agent(rt)
    assert a.health.degraded
    # The human's tools still work: brief and draft come from the rules agent without calling Claude.
    n = len(fake.requests)
    brief = await rt.sim.brief("C00001")
    draft = await rt.sim.draft("C00001")
    assert brief.startswith("Intent:") and draft and len(fake.requests) == n
    await rt.sim.take_over("C00001", "mia")
    await rt.sim.send("C00001", "mia", draft)
    await rt.sim.resolve("C00001", "mia")
    assert rt.store is not None
    rt.store.flush()
    [tk] = log_rows(rt, "takeovers")
    assert tk["kind"] == "escalation" and tk["trigger"] == "technical" and tk["supervisor"] == "mia"
    assert tk["ending"] == "resolved" and tk["human_messages"] == 1
    [row] = log_rows(rt, "chats")
    assert row["status"] == "closed" and row["resolved_by"] == "human"
    assert [m["role"] for m in log_rows(rt, "messages")] == ["customer", "human"]


async def test_a_retry_then_success_is_logged_with_usage_and_latency(rt: SimRuntime, fake: FakeAnthropic) -> None:
    a = agent(rt)
    a.sleep = asyncio.sleep  # a real wait this time: retry-after must be respected
    fake.push(error(429, "rate_limit_error", headers={"retry-after": "1"}),
              tool_use("lookup_order", {"order_id": ORDER}, usage=(1000, 20)),
              reply_tool("Your refund was sent on day 3; banks take 3-5 working days.", 0.82, usage=(1200, 35)))
    await first_ai_turn(rt)
    assert rt.sim.customers["C00001"].order_id == ORDER
    assert json.loads(fake.requests[2].body["messages"][-1]["content"][0]["content"])["found"] is True
    assert fake.requests[1].at - fake.requests[0].at >= 0.95
    assert a.health.state == "ok" and a.health.retries == 1
    msgs = log_rows(rt, "messages")
    ai = [m for m in msgs if m["role"] == "ai"]
    assert len(ai) == 1
    assert ai[0]["text"] == "Your refund was sent on day 3; banks take 3-5 working days."
    assert ai[0]["confidence"] == pytest.approx(0.82) and ai[0]["author"] == "claude"
    assert ai[0]["input_tokens"] == 2200 and ai[0]["output_tokens"] == 55
    assert ai[0]["latency_s"] >= 0.95  # the wait is part of what the customer waited
    assert [m["input_tokens"] for m in msgs if m["role"] == "customer"] == [None]
    ev = next(json.loads(e["data"]) for e in log_rows(rt, "events") if e["type"] == "message"
              and json.loads(e["data"])["role"] == "ai")
    assert ev["usage"] == {"input_tokens": 2200, "output_tokens": 55, "calls": 3, "retries": 1}
    assert ev["latency_s"] == pytest.approx(ai[0]["latency_s"])


async def test_the_api_key_reaches_no_log_export_or_error(rt: SimRuntime, fake: FakeAnthropic,
                                                          tmp_path: Path) -> None:
    # A server that echoes the key back in its error (as a misconfigured proxy might).
    fake.push(error(401, "authentication_error", f"invalid x-api-key {KEY}"))
    await first_ai_turn(rt)
    a = agent(rt)
    assert len(fake.requests) == 1  # an authentication error is not retried
    assert a.health.last_error and "401" in a.health.last_error and KEY not in a.health.last_error
    assert rt.floor.chats["C00001"].trigger_reason and KEY not in rt.floor.chats["C00001"].trigger_reason
    assert KEY not in repr(a.health)
    assert rt.store is not None
    rt.store.flush()
    files = [Path(str(rt.store.path) + suffix) for suffix in ("", "-wal")]
    assert b"agent.error" in b"".join(f.read_bytes() for f in files if f.exists())
    for f in files:
        if f.exists():
            assert KEY.encode() not in f.read_bytes()
    runner = CliRunner()
    for table in ("events", "messages", "sessions", "chats"):
        out = tmp_path / f"{table}.jsonl"
        res = runner.invoke(cli, ["export", "--db", str(rt.store.path), "--table", table, "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert KEY not in out.read_text() and KEY not in res.output
    assert "agent.error" in (tmp_path / "events.jsonl").read_text()


async def test_many_chats_survive_a_flaky_api(fake: FakeAnthropic, tmp_path: Path) -> None:
    """Every other call fails: the floor keeps going, every chat ends, every failure is an escalation."""
    calls = {"n": 0}

    def flaky(body: dict[str, Any]) -> Step:
        calls["n"] += 1
        if calls["n"] % 2:
            return error(529, "overloaded_error")
        return reply_tool("You can see live tracking under My Orders > Details once the seller ships.", 0.8)

    fake.default = flaky
    settings = Settings.model_validate({"agent": {"max_attempts": 1}})
    rt = build_sim(settings, seed=5, db=tmp_path / "log.db", agent="claude", max_chats=6, start=1.8e9,
                   policy=SupervisorPolicy.REACTIVE)
    try:
        rt.sim.start()
        t0 = time.monotonic()
        while rt.floor.closed_count < 6 and time.monotonic() - t0 < 30:
            if not await rt.sim.step():
                break
        assert rt.store is not None
        rt.store.flush()
        chats = log_rows(rt, "chats")
        assert len(chats) == 6 and all(c["status"] == "closed" for c in chats)
        events = log_rows(rt, "events")
        errors = [e for e in events if e["type"] == "agent.error"]
        assert errors and len(errors) == sum(
            1 for e in events if e["type"] == "chat.escalated" and "agent error" in json.loads(e["data"])["reason"]
        )
    finally:
        rt.close()
        assert isinstance(rt.sim.agent, ClaudeAgent)
        await rt.sim.agent.aclose()
