"""``hitl-console signals score|route`` with ``-`` for stdin and stdout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from hitl_console.signals_cli import signals

DIALOGUE = {"id": "d1", "turns": [{"role": "customer", "text": "This is ridiculous, where is my parcel?!"}]}


def test_score_dash_reads_stdin_and_writes_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(signals, ["score", "--input", "-", "--output", "-"], input=json.dumps(DIALOGUE) + "\n")
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 1 and 0.0 <= lines[0]["turns"][0]["frustration"] <= 1.0
    assert "risk" in lines[0]["turns"][0]
    assert "-> <stdout>" in res.stderr
    assert os.listdir(tmp_path) == []  # no file named "-"


def test_route_dash_and_errors_name_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "r1", "text": "where is my order?"}) + "\n", encoding="utf-8")
    res = CliRunner().invoke(signals, ["route", "--input", str(src), "--output", "-"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout.splitlines()[0])
    assert row["id"] == "r1" and isinstance(row["intent"], str) and 0.0 <= row["eligible"] <= 1.0
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl"]
    res = CliRunner().invoke(signals, ["route", "--input", "-", "--output", "-"], input="{broken\n")
    assert res.exit_code != 0 and "<stdin>:1: not valid JSON" in str(res.exception)
