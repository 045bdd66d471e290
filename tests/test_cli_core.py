"""The command line: simulate end to end, its summary, determinism, and one-line errors."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

EXE = [sys.executable, "-m", "hitl_console"]
START = "1767225600"


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_simulate_logs_and_summarises(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    out = run("simulate", "--chats", "120", "--seed", "3", "--db", str(db), "--json", "--start", START)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["chats"] == 120
    log = sqlite_utils.Database(db)
    assert log["chats"].count == 120
    assert log.execute("select count(*) from chats where status != 'closed'").fetchone()[0] == 0
    takeovers = log["takeovers"].count
    assert takeovers == sum(s["takeovers"].values()) and takeovers > 0
    # Every takeover has an ending and the ratings on chats match the summary's mean.
    assert log.execute("select count(*) from takeovers where ended_at is null").fetchone()[0] == 0
    mean = log.execute("select avg(rating) from chats where rating is not null").fetchone()[0]
    assert abs(mean - s["mean_rating"]) < 1e-3


def test_same_seed_same_floor(tmp_path: Path) -> None:
    a = run("simulate", "--chats", "60", "--seed", "5", "--db", str(tmp_path / "a.db"), "--json", "--start", START)
    b = run("simulate", "--chats", "60", "--seed", "5", "--db", str(tmp_path / "b.db"), "--json", "--start", START)
    sa, sb = json.loads(a.stdout), json.loads(b.stdout)
    sa.pop("db"), sb.pop("db")
    assert sa == sb
    qa = sqlite_utils.Database(tmp_path / "a.db").execute("select role, text, frustration from messages order by id")
    qb = sqlite_utils.Database(tmp_path / "b.db").execute("select role, text, frustration from messages order by id")
    assert qa.fetchall() == qb.fetchall()


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[thresholds]\nconfidence = 7\n")
    cases = [
        (["simulate", "--config", str(cfg)], "bad.toml:2: thresholds.confidence"),
        (["simulate", "--config", str(tmp_path / "nope.toml")], "nope.toml: not found"),
        (["simulate", "--nope"], "No such option"),
        (["simulate", "--db", str(cfg / "x.db"), "--chats", "1"], "x.db"),
    ]
    broken = tmp_path / "broken.toml"
    broken.write_text("[thresholds\n")
    cases.append((["config", "check", str(broken)], "broken.toml"))
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 500)
    cases.append((["simulate", "--db", str(corrupt), "--chats", "1"], "not a SQLite database or corrupt"))
    for args, needle in cases:
        out = run(*args)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1, (args, out.stderr)
        assert needle in lines[0], (args, lines[0])
        assert "Traceback" not in out.stderr


def test_sigkill_loses_nothing_reported(tmp_path: Path) -> None:
    """Kill a running simulate at random moments: every takeover and close it printed is in the log."""
    rng = random.Random(11)
    for attempt in range(3):
        db = tmp_path / f"kill{attempt}.db"
        proc = subprocess.Popen(
            [*EXE, "simulate", "--chats", "100000", "--seed", str(attempt), "--db", str(db), "--trace"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(1.5, 3.5))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        lines = [ln.split() for ln in out.splitlines() if ln.startswith(("TAKEOVER", "CLOSED"))]
        if lines and len(lines[-1]) < 2:
            lines.pop()  # a line cut by the kill
        assert lines, "the run printed nothing before it was killed"
        log = sqlite_utils.Database(db)
        assert log.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        closed = {r[0] for r in log.execute("select chat_id from chats where status = 'closed'")}
        taken = {(r[0], r[1]) for r in log.execute("select chat_id, takeover_id from takeovers")}
        for parts in lines:
            if parts[0] == "CLOSED":
                assert parts[1] in closed
            elif len(parts) >= 3:
                assert (parts[1], int(parts[2])) in taken
