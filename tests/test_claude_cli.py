"""``hitl-console simulate --agent claude`` as a subprocess against the fake Messages API, configured only
through the standard ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from fake_anthropic import FakeAnthropic, Step, error, reply_tool, text

from hitl_console.cli import cli

KEY = "sk-ant-test-CLI-a1b2c3d4e5f6"


@pytest.fixture()
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as f:
        yield f


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    return subprocess.run(
        [sys.executable, "-c", "from hitl_console.cli import main; main()", *args],
        env={**base, **env}, capture_output=True, text=True, timeout=120,
    )


def kb_reply(body: dict[str, Any]) -> Step:
    """Answer like a decent agent: with the knowledge-base answer of the topic the router guessed."""
    if not body.get("tools"):
        return text("Hi, thanks for waiting. I'm on it now.")
    system = "\n".join(b["text"] for b in body["system"])
    topic = system.split("topic the router guessed: ")[-1].split()[0]
    marker = f"[{topic}]"
    if marker in system:
        answer = system.split(marker, 1)[1].split("Answer: ", 1)[1].split("\n")[0]
        return reply_tool(answer, 0.85, usage=(2100, 60))
    return reply_tool("Could you tell me a bit more about what happened?", 0.3, usage=(2100, 30))


def test_simulate_with_claude_end_to_end(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.default = kb_reply
    db = tmp_path / "run.db"
    env = {"ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": KEY}
    res = run(["simulate", "--agent", "claude", "--chats", "5", "--seed", "2", "--db", str(db), "--json"], env)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["chats"] == 5
    assert summary["ai_resolved_share"] > 0  # Claude's knowledge-base answers solve chats
    assert fake.requests, "the agent never called the API"
    assert all(KEY in (r.headers.get("x-api-key", "") + r.headers.get("authorization", "")) for r in fake.requests)
    assert {r.body["model"] for r in fake.requests} == {"claude-sonnet-5"}

    log = sqlite_utils.Database(db)
    [session] = list(log["sessions"].rows)
    assert session["agent"] == "claude"
    closed = [c for c in log["chats"].rows if c["status"] == "closed"]
    assert len(closed) >= 5
    ai = list(log["messages"].rows_where("role = 'ai'"))
    assert ai and all(m["author"] == "claude" for m in ai)
    assert all(m["input_tokens"] and m["input_tokens"] % 2100 == 0 and m["output_tokens"] for m in ai)
    assert all(m["latency_s"] is not None and m["latency_s"] >= 0 for m in ai)
    # Per-chat usage, the way a report reads it.
    per_chat = log.execute(
        "SELECT chat_id, sum(input_tokens), sum(output_tokens), count(*) FROM messages WHERE role = 'ai'"
        " GROUP BY chat_id"
    ).fetchall()
    assert sum(row[1] for row in per_chat) == sum(m["input_tokens"] for m in ai)
    assert KEY not in res.stdout + res.stderr
    for f in tmp_path.iterdir():
        assert KEY.encode() not in f.read_bytes()


def test_simulate_when_claude_is_down_escalates_every_chat(fake: FakeAnthropic, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process (the subprocess path is covered above): the config selects Claude, which is down."""
    fake.default = lambda body: error(529, "overloaded_error", f"overloaded (key {KEY})")
    db = tmp_path / "down.db"
    cfg = tmp_path / "hitl.toml"
    cfg.write_text('[agent]\nname = "claude"\nmax_attempts = 2\nbackoff_s = 0.01\n', encoding="utf-8")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    res = CliRunner().invoke(
        cli, ["simulate", "--config", str(cfg), "--chats", "4", "--seed", "2", "--db", str(db), "--json"]
    )
    assert res.exit_code == 0, res.output
    log = sqlite_utils.Database(db)
    [session] = list(log["sessions"].rows)
    assert session["agent"] == "claude"  # chosen by the config
    events = list(log["events"].rows)
    errors = [json.loads(e["data"]) for e in events if e["type"] == "agent.error"]
    assert errors and all(e["outcome"] == "overloaded" and len(e["attempts"]) == 2 for e in errors)
    assert len(fake.requests) == 2 * len(errors)
    assert not list(log["messages"].rows_where("role = 'ai'"))
    chats = list(log["chats"].rows)
    assert sum(1 for c in chats if c["status"] == "closed") >= 4
    assert {c["first_trigger"] for c in chats} <= {"technical", "ineligible", "customer_request", "emotional"}
    assert sum(1 for c in chats if c["first_trigger"] == "technical") == len(errors)
    assert KEY not in res.output
    for f in tmp_path.iterdir():
        if f.name != "hitl.toml":
            assert KEY.encode() not in f.read_bytes()


def test_simulate_with_claude_but_no_key_is_one_line(tmp_path: Path) -> None:
    res = run(["simulate", "--agent", "claude", "--chats", "1", "--db", str(tmp_path / "x.db")], {})
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0
    assert "ANTHROPIC_API_KEY" in res.stderr and "Traceback" not in res.stderr
