"""Textual lives in the UI packages (``hitl_console.tui`` and ``hitl_console.training.tui``) only: importing
every other module in a fresh interpreter loads no Textual. The core never depends on the screen."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hitl_console


def _outside_ui() -> list[str]:
    names = []
    for m in pkgutil.walk_packages(hitl_console.__path__, "hitl_console."):
        if "tui" not in m.name.split(".") and not m.name.endswith("__main__"):
            names.append(m.name)
    return names


def test_only_the_ui_packages_import_textual() -> None:
    modules = _outside_ui()
    assert "hitl_console.core.engine" in modules and "hitl_console.store.writer" in modules
    assert not any(m.startswith("hitl_console.review.") for m in modules)  # the review screens are UI too
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "    if 'textual' in sys.modules:\n"
        "        print('textual loaded by', m)\n"
        "        sys.exit(1)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
