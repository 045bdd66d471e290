"""Hostile customer text is shown literally: no markup, escape sequence or control character takes effect."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from test_tui_support import SIZE, make_console, table

from hitl_console.core.models import Role
from hitl_console.tui.safe_text import clean, one_line
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.widgets.transcript import Transcript

HOSTILE = (
    "[bold red]PAY NOW[/] \x1b[2J\x1b[H\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://evil.example\x1b\\link"
    "\x1b]8;;\x1b\\ \x9b31m bell\x07 back\x08\x08 cr\rX \u202eevil\u202c :smile: done"
)
HOSTILE_NAME = "\x1b[5mBob\x1b[0m [link=http://x]y[/link]"


def test_clean_makes_every_control_visible() -> None:
    out = clean(HOSTILE)
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out and "<U+202E>" in out
    assert "␛[2J" in out and "␛]0;pwned␇" in out and "␈␈" in out and "␍X" in out
    assert "[bold red]PAY NOW[/]" in out and ":smile:" in out
    assert clean("a\nb", single_line=True) == "a ⏎ b"
    assert one_line("x" * 50, 10) == "x" * 9 + "…"


def _plain_styles(segments: list[Segment], needle: str) -> None:
    hits = [s for s in segments if needle in s.text]
    assert hits, needle
    for seg in hits:
        style = seg.style
        assert style is None or not (style.bold and style.color and style.color.name == "red"), seg
        assert style is None or style.link is None, seg


async def test_hostile_message_on_the_floor_and_in_the_workspace(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db", chats=4, warmup_s=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rt.floor.open_chat("X666", HOSTILE_NAME, HOSTILE)
        rt.floor.add_message("X666", Role.AI, "AI says \x1b[8mhidden\x1b[28m [i]x[/i]", confidence=0.9)
        await app.refresh_view()
        await pilot.pause()
        t = table(app)
        index = next(i for i, r in enumerate(t.rows) if r.id == "X666")
        t.move_to(index)
        await pilot.pause()
        strip = t.render_line(index - int(t.scroll_offset.y))
        line = "".join(s.text for s in strip)
        assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
        assert "␛[5mBob␛[0" in line  # the customer's name, literally (cut to its column)
        assert "AI says ␛[8mhidden␛[28m [i]x[/i]" in line
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        log = app.screen.query_one(Transcript)
        await pilot.pause()
        text = "\n".join("".join(s.text for s in strip) for strip in log.lines)
        assert "\x1b" not in text and "\x9b" not in text and "\x08" not in text and "\r" not in text
        assert "[bold red]PAY NOW[/]" in text and "␛]8;;http://evil.example" in text and ":smile:" in text
        assert "hidden" in text and "[i]x[/i]" in text
        segs = [seg for strip in log.lines for seg in strip]
        _plain_styles(segs, "PAY NOW")
        _plain_styles(segs, "link")
        head = "".join(s.text for s in app.screen.query_one("#chat-head").render_line(0))
        assert "␛[5mBob␛[0m [link=http://x]y[/link]" in head
        svg = app.export_screenshot()
        assert "[bold&#160;red]PAY" in svg and "\x1b" not in svg
    rt.close()
