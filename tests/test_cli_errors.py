"""Every command-line mistake reads the same way: one line on stderr, ``hitl-console: error: `` then what is
wrong and where, exit status 2. A bad session log (--db) is named as the session log in every command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import run_cli
from test_bridge_support import TOKEN, ThreadedDemo

ROOT = Path(__file__).resolve().parents[1] / "scenarios" / "rehearsal"
SCENARIO = ROOT / "07-ineligible-chat.toml"
ACTIONS = ROOT / "actions" / "07-ineligible-chat.novice.toml"
PREFIX = "hitl-console: error: "

# Each command with what it needs besides --db; the URL of connect is filled in per test.
COMMANDS: dict[str, list[str]] = {
    "run": ["run"],
    "simulate": ["simulate", "--chats", "2"],
    "connect": ["connect", "{url}", "--token", TOKEN],
    "rehearse": ["rehearse", str(SCENARIO), "--actions", str(ACTIONS)],
    "report": ["report"],
    "export": ["export", "--table", "chats", "--out", "-"],
    "review": ["review"],
}


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(PREFIX), err
    assert "Invalid value" not in err and "Usage:" not in err and "Traceback" not in err
    return lines[0].removeprefix(PREFIX)


def command(name: str, url: str = "http://127.0.0.1:9") -> list[str]:
    return [a.format(url=url) for a in COMMANDS[name]]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_directory_as_the_session_log_is_the_logs_own_error(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # caught while the options are read: connect does not even reach for the (unreachable) platform
    code, out, err = run_cli([*command(name), "--db", str(tmp_path)], capsys)
    assert one_error_line(code, err) == f"session log {tmp_path}: is a directory, not a file"
    assert out == ""


@pytest.fixture(scope="module")
def platform() -> object:
    with ThreadedDemo() as demo_:
        yield demo_


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_file_that_is_not_sqlite_reads_the_same_in_every_command(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: ThreadedDemo
) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"not a database, just some notes\n" * 200)
    code, _, err = run_cli([*command(name, platform.url), "--db", str(bad)], capsys)
    assert one_error_line(code, err) == f"session log {bad}: not a SQLite database or corrupt"


@pytest.mark.parametrize("name", ["run", "simulate", "rehearse"])
def test_a_log_in_a_missing_directory_names_the_directory(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "nowhere" / "log.db"
    code, _, err = run_cli([*command(name), "--db", str(db)], capsys)
    assert one_error_line(code, err) == f"session log {db}: directory {db.parent} does not exist"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs file permissions that bind (not root)")
@pytest.mark.parametrize("name", ["simulate", "rehearse"])
def test_an_unwritable_log_is_one_line(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run_cli([*command(name), "--db", str(locked / "log.db")], capsys)
    finally:
        locked.chmod(0o755)
    assert one_error_line(code, err).startswith(f"session log {locked / 'log.db'}: cannot be written")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["simulate", "--chats", "0"], "simulate --chats: 0 is not in the range x>=1"),
        (["run", "--agent", "robot"], "run --agent: 'robot' is not one of 'rules', 'claude'"),
        (["rehearse", str(SCENARIO), "--speed", "99"], "rehearse --speed: 99.0 is not in the range 0.1<=x<=20.0"),
        (["export", "--out", "-"], "export: Missing option '--table'"),
        (["rehearse"], "rehearse: Missing argument 'SCENARIO'"),
        (["report", "--since"], "report: Option '--since' requires an argument"),
        (["connect"], "connect: Missing argument 'URL'"),
        (["review", "--wat"], "review: No such option '--wat'"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_option_errors_name_the_command_and_the_option(
    args: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(args, capsys)
    assert one_error_line(code, err) == line


@pytest.mark.parametrize("env", [None, ""])
def test_connect_without_a_token_says_none_was_given(
    env: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    platform: ThreadedDemo,
) -> None:
    if env is None:
        monkeypatch.delenv("HITL_BRIDGE_TOKEN", raising=False)
    else:
        monkeypatch.setenv("HITL_BRIDGE_TOKEN", env)
    code, _, err = run_cli(["connect", platform.url, "--db", str(tmp_path / "x.db")], capsys)
    line = one_error_line(code, err)
    assert "no token" in line.lower() or "none was given" in line
    assert "--token" in line and "HITL_BRIDGE_TOKEN" in line and "refused" not in line
    assert "401" in line and platform.url in line
    assert not (tmp_path / "x.db").exists()  # stopped before the log was opened


def test_connect_with_a_wrong_token_still_says_it_was_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, platform: ThreadedDemo
) -> None:
    monkeypatch.setenv("HITL_BRIDGE_TOKEN", "wrong")
    code, _, err = run_cli(["connect", platform.url, "--db", str(tmp_path / "x.db")], capsys)
    line = one_error_line(code, err)
    assert "refused the token" in line and "none was given" not in line
