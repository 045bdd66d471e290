"""The bridge's commands: `simulate --source`, `connect` (its errors, and the screen showing the link) and
`demo-platform`'s errors. The platform runs on a loopback port of its own thread."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest
from cli_support import run_cli
from test_bridge_support import TOKEN, ThreadedDemo, demo, fast_settings, wait_for

from hitl_console.bridge.runtime import build_bridge
from hitl_console.connect_cmd import make_app


def test_simulate_source_runs_supervisors_headless_on_the_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "run.db"
    with ThreadedDemo(speed=40.0, live=10) as demo_:
        code, out, err = run_cli(
            ["simulate", "--source", demo_.url, "--token", TOKEN, "--chats", "6", "--speed", "40",
             "--supervisor", "proactive", "--db", str(db), "--json"],
            capsys,
        )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["chats"] >= 6 and summary["db"] == str(db)
    con = sqlite3.connect(db)
    source, config = con.execute("SELECT source, config FROM sessions").fetchone()
    assert source == f"bridge {demo_.url}"
    bots = json.loads(config)["simulated_supervisors"]  # the report tells the simulated supervisors from people
    assert bots["policy"] == "proactive" and len(bots["names"]) == 4  # simulate's default
    supervisors = {r[0] for r in con.execute("SELECT supervisor FROM takeovers")}
    assert supervisors <= set(bots["names"])
    n_closed = con.execute("SELECT count(*) FROM chats WHERE status = 'closed'").fetchone()[0]
    assert n_closed == summary["chats"]
    # the summary is about the closed chats only, escalations and takeovers included (the floor also holds
    # chats still open at the end, with escalations and takeovers of their own)
    closed = "chat_id IN (SELECT chat_id FROM chats WHERE status = 'closed')"
    esc = dict(con.execute(
        f"SELECT json_extract(data, '$.trigger'), count(*) FROM events WHERE type = 'chat.escalated' AND {closed} "
        "GROUP BY 1"
    ).fetchall())
    assert summary["escalations"] == esc
    tks = dict(con.execute(f"SELECT kind, count(*) FROM takeovers WHERE {closed} GROUP BY 1").fetchall())
    assert summary["takeovers"] == tks
    assert sum(p["chats"] for p in summary["paths"].values()) == summary["chats"]


def test_connect_with_a_bad_token_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ThreadedDemo() as demo_:
        code, out, err = run_cli(["connect", demo_.url, "--token", "nope", "--db", str(tmp_path / "x.db")], capsys)
        code2, _, err2 = run_cli(
            ["simulate", "--source", demo_.url, "--token", "nope", "--chats", "2", "--db", str(tmp_path / "y.db")],
            capsys,
        )
    for c, e in ((code, err), (code2, err2)):
        assert c == 2
        assert e.count("\n") == 1 and "Traceback" not in e
        assert "refused the token (401" in e and "HITL_BRIDGE_TOKEN" in e


@pytest.mark.parametrize(
    ("url", "needle"),
    [("ftp://example.org", "http:// or https://"), ("http://127.0.0.1:{port}", "cannot reach the platform")],
)
def test_connect_to_a_wrong_url_is_one_line(url: str, needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run_cli(["connect", url.format(port=port), "--db", "unused.db"], capsys)
    assert code == 2 and err.count("\n") == 1 and needle in err


def test_demo_platform_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code, _, err = run_cli(["demo-platform", "--port", str(port)], capsys)
    assert code == 2 and err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


async def test_the_floor_and_the_workspace_show_the_link_state(tmp_path: Path) -> None:
    async with demo() as run:
        rt = build_bridge(fast_settings(), run.server.url, token=TOKEN, db=tmp_path / "log.db", name="alice")
        app = make_app(rt, "alice", tmp_path / "log.db", threaded=False)
        async with app.run_test() as pilot:
            run.go()
            await wait_for(lambda: "link connected" in str(app.sub_title) and len(rt.floor.chats) >= 3, 10.0)
            await pilot.pause(0.6)
            bar = app.screen.query_one("#bridge-link")
            assert "link connected" in str(bar.render()) and run.server.url in str(bar.render())
            await run.server.stop()
            await wait_for(lambda: "link reconnecting" in str(app.sub_title), 5.0)
            await pilot.pause(0.6)
            assert "link reconnecting" in str(app.screen.query_one("#bridge-link").render())
            await app.open_chat(next(iter(rt.floor.chats)))  # the workspace shows it too, not only a notice
            await pilot.pause(0.6)
            assert "link reconnecting" in str(app.screen.query_one("#bridge-link").render())
            titles = [n.title for n in app._notifications]
            assert "Platform link reconnecting" in titles
            await app.action_quit()
        app.runtime.close()
    assert app.fatal is None
