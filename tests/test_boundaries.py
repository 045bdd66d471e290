"""The core never imports Textual: importing every core module in a fresh interpreter loads no textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import hitl_console

CORE = ("core", "signals", "agents", "sources", "store", "training", "bridge")


def _core_modules() -> list[str]:
    names = []
    for m in pkgutil.walk_packages(hitl_console.__path__, "hitl_console."):
        parts = m.name.split(".")
        if len(parts) > 1 and parts[1] in CORE:
            names.append(m.name)
    return names


def test_core_packages_do_not_import_textual() -> None:
    modules = _core_modules()
    assert "hitl_console.core.engine" in modules and "hitl_console.store.writer" in modules
    code = (
        "import importlib, sys\n"
        f"mods = {modules!r}\n"
        "skip = ('_screen', 'screens', 'debrief_screen', '.tui', 'widgets')\n"
        "for m in mods:\n"
        "    if any(s in m for s in skip):\n"
        "        continue\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(k for k in sys.modules if k == 'textual' or k.startswith('textual.'))\n"
        "print('LOADED', bad[:3])\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
