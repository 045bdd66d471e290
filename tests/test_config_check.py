"""`config check` (and every --config): each error in a settings file on its own line, naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from hitl_console.cli import main
from hitl_console.config import key_problems

BROKEN = """\
[thresholds]
confidence = 7
frustration = "high"
typo = 1

[floor]
takeover_cap = 0
keys = { "floor.take_over" = "n", "floor.nope" = "x", "chat.write" = "ctrl+" }

[agent]
name = "gpt"

[extra]
x = 1
"""

# (line, key as written in TOML, a word of the reason), in the file's order
EXPECTED = [
    (2, "thresholds.confidence = 7", "less than or equal to 1"),
    (3, 'thresholds.frustration = "high"', "valid number"),
    (4, "thresholds.typo = 1", "unknown key"),
    (7, "floor.takeover_cap = 0", "greater than or equal to 1"),
    (8, 'floor.keys."floor.take_over" = "n"', "already used by floor.take_next"),
    (8, 'floor.keys."floor.nope" = "x"', "unknown binding id"),
    (8, 'floor.keys."chat.write" = "ctrl+"', "not a key name"),
    (11, 'agent.name = "gpt"', "'rules' or 'claude'"),
    (13, "extra: unknown key", ""),
]


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Exit status, the error lines (the first one's "hitl-console: error: " taken off), standard output."""
    with pytest.raises(SystemExit) as e:
        main(args)
    out = capsys.readouterr()
    lines = out.err.splitlines()
    if lines:
        assert lines[0].startswith("hitl-console: error: ")
        lines[0] = lines[0].removeprefix("hitl-console: error: ")
    return int(e.value.code or 0), lines, out.out


def test_every_error_is_reported_on_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text(BROKEN)
    code, lines, out = _check(["config", "check", str(cfg)], capsys)
    assert code == 2 and out == ""
    assert len(lines) == len(EXPECTED), lines
    for line, (n, key, why) in zip(lines, EXPECTED, strict=True):
        assert line.startswith(f"config file {cfg}:{n}: {key}"), line  # FILE:LINE: KEY each, as scenario errors
        assert why in line, line
    assert not any("Traceback" in x or "validation error" in x for x in lines)


def test_other_commands_report_every_config_error_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "two.toml"
    cfg.write_text("[thresholds]\nconfidence = -1\n[simulation]\nlive_chats = 0\n")
    code, lines, _ = _check(["simulate", "--config", str(cfg), "--chats", "1", "--db", str(tmp_path / "x.db")], capsys)
    assert code == 2
    assert [x.split(": ")[1] for x in lines] == ["thresholds.confidence = -1", "simulation.live_chats = 0"]
    assert not (tmp_path / "x.db").exists()  # nothing ran


def test_a_good_file_is_ok_and_a_syntax_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text('[floor]\ntakeover_cap = 4\nkeys = { "floor.take_over" = "T" }\n')
    main(["config", "check", str(good)])
    assert capsys.readouterr().out.strip() == f"{good}: ok"
    bad = tmp_path / "bad.toml"
    bad.write_text("[thresholds]\nconfidence = 0.5\nconfidence = 0.6\n[floor\n")  # TOML stops at the first
    code, lines, _ = _check(["config", "check", str(bad)], capsys)
    assert code == 2 and len(lines) == 1 and f"config file {bad}:" in lines[0]


def test_key_problems_lists_every_problem_once() -> None:
    keys = {"floor.sort": "x", "floor.filter": "x", "chat.draft": "ctrl+dd,enter,f99", "app.nope": "z"}
    problems = key_problems(keys)
    assert [(b, why.split(" (")[0]) for b, _, why in problems] == [
        ("floor.sort", "key 'x' is already used by floor.filter"),  # a clash of two remaps is named once
        ("chat.draft", "'ctrl+dd' is not a key name"),
        ("chat.draft", "'f99' is not a key name"),
        ("app.nope", "unknown binding id"),
    ]
    assert key_problems({"floor.take_over": "n", "floor.take_next": "N"}) == []  # a freed key may be reused
