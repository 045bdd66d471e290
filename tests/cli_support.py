"""Running the command line in-process, as a test would type it."""

from __future__ import annotations

import pytest

from hitl_console.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``hitl-console ARGS``: its exit status, standard output and standard error."""
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
