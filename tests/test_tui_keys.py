"""Key remapping: the config's checks, and the table of binding ids kept equal to the console's bindings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from hitl_console.config import _NAMED_KEYS, _SHORT_CHAR_NAMES, BINDING_KEYS, key_name_ok, load_settings
from hitl_console.errors import ConfigError
from hitl_console.training.tui.debrief_screen import DebriefScreen
from hitl_console.training.tui.rehearsal_app import RehearsalApp
from hitl_console.tui.app import HitlApp
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.screens.confirm import ConfirmScreen
from hitl_console.tui.screens.floor import FloorScreen
from hitl_console.tui.screens.help import HelpScreen
from hitl_console.tui.widgets.floor_table import FloorTable


def test_binding_table_is_the_consoles_bindings() -> None:
    real: dict[str, str] = {}
    for owner in (HitlApp, FloorScreen, FloorTable, ChatScreen, HelpScreen, ConfirmScreen, RehearsalApp,
                  DebriefScreen):
        for b in owner.BINDINGS:
            if isinstance(b, Binding) and b.id:
                real[b.id] = b.key
    assert real == BINDING_KEYS


def test_named_keys_are_textuals() -> None:
    textual_named = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")} - {"ctrl-at"}
    assert textual_named == _NAMED_KEYS
    assert set(KEY_NAME_REPLACEMENTS.values()) == _SHORT_CHAR_NAMES


@pytest.mark.parametrize("key", ["T", "t", "7", "enter", "escape", "up", "f2", "ctrl+t", "shift+up", "alt+x",
                                 "slash", "question_mark", "ctrl+shift+f5", "/", "minus", "full_stop"])
def test_valid_key_names(key: str) -> None:
    assert key_name_ok(key)


@pytest.mark.parametrize("key", ["", "Enter", "ctl+t", "ctrl+", "entre", "latin_small_letter_a", "foo bar", " ",
                                 "ctrl+bananas"])
def test_invalid_key_names(key: str) -> None:
    assert not key_name_ok(key)


def _config(tmp_path: Path, keys: str) -> Path:
    cfg = tmp_path / "keys.toml"
    cfg.write_text(f"[floor]\nkeys = {{ {keys} }}\n")
    return cfg


@pytest.mark.parametrize(("keys", "needles"), [
    ('"floor.take_ovr" = "T"', ["floor.take_ovr", "unknown binding id"]),
    ('"floor.take_over" = "n"', ["floor.take_over", "'n'", "floor.take_next"]),
    ('"floor.sort" = "q"', ["floor.sort", "'q'", "app.quit"]),
    ('"chat.draft" = "ctrl+dd"', ["chat.draft", "ctrl+dd", "not a key name"]),
])
def test_bad_keys_are_one_clear_config_error(tmp_path: Path, keys: str, needles: list[str]) -> None:
    cfg = _config(tmp_path, keys)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    for needle in [str(cfg), *needles]:
        assert needle in str(err.value)


def test_remaps_that_free_or_use_other_screens_keys_are_fine(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '"floor.take_over" = "n", "floor.take_next" = "N", "chat.draft" = "ctrl+d"')
    assert load_settings(cfg).floor.keys["floor.take_over"] == "n"


def test_config_check_reports_a_bad_key(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '"chat.hand_back" = "r"')
    out = subprocess.run([sys.executable, "-m", "hitl_console", "config", "check", str(cfg)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "keys.toml" in lines[0] and "chat.hand_back" in lines[0] and "chat.resolve" in lines[0]
