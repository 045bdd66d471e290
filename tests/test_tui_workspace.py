"""Pilot tests of the chat workspace as a supervisor uses it: wrapping, keys after a takeover, the header."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from test_tui_support import make_console, rows, select
from textual.widgets import Input, Static
from textual.widgets._toast import Toast

from hitl_console.core.models import ChatStatus, Event, EventType
from hitl_console.tui.cells import duration
from hitl_console.tui.safe_text import clean
from hitl_console.tui.screens.chat import ChatScreen, trigger_label
from hitl_console.tui.screens.confirm import ConfirmScreen
from hitl_console.tui.widgets.transcript import Transcript, entry


def _lines(tr: Transcript) -> list[str]:
    return [s.text.rstrip() for s in tr.lines]


def _words_shown(tr: Transcript) -> set[str]:
    return {w for line in _lines(tr) for w in line.split()}


async def test_transcript_wraps_to_its_pane_at_80x24_and_rewraps_when_the_brief_toggles(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cid = select(app, ChatStatus.AI)
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen) and screen.query_one("#brief-pane").display
        tr = screen.query_one(Transcript)
        narrow = tr.wrap_width
        assert narrow >= 40  # the transcript keeps most of an 80-column screen with the brief open
        assert all(len(line) <= narrow for line in _lines(tr))
        assert screen.detail is not None and screen.detail.row.id == cid
        said = [clean(str(e.data["text"])) for e in screen.detail.events
                if e.type is EventType.MESSAGE and e.data.get("role") == "customer"]
        assert said and max(len(s) for s in said) > narrow - 30  # a message that has to wrap
        for text in said:
            assert set(text.split()) <= _words_shown(tr), text  # no word cut off at the pane's edge
        tr.focus()
        await pilot.press("b")  # hide the brief: the transcript gets wider and wraps again
        await pilot.pause()
        await pilot.pause()
        wide = tr.wrap_width
        assert wide > narrow + 20
        assert max(len(line) for line in _lines(tr)) > narrow  # the lines use the new width
        assert all(len(line) <= wide for line in _lines(tr))
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        await pilot.pause()
        assert all(len(line) <= tr.wrap_width < wide for line in _lines(tr))
        for text in said:
            assert set(text.split()) <= _words_shown(tr), text
    rt.close()


async def test_workspace_keys_act_right_after_a_takeover(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        cid = select(app, ChatStatus.AI)
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        box = screen.query_one("#composer", Input)
        assert not box.has_focus
        footer = {b.binding.id for b in screen.active_bindings.values() if b.binding.show}
        assert {"chat.draft", "chat.hand_back", "chat.resolve", "chat.brief"} <= footer
        await pilot.press("b")
        await pilot.pause()
        assert not screen.query_one("#brief-pane").display and box.value == ""
        await pilot.press("d")
        await pilot.pause()
        draft = clean(await rt.source.draft(cid), single_line=True)
        assert box.value == draft and box.has_focus  # the draft is in the composer, ready to edit
        await pilot.press("escape", "h")
        await pilot.pause()
        assert rows(db, "SELECT ending FROM takeovers WHERE chat_id = ?", cid) == [("handed_back",)]
    rt.close()


def _head(screen: ChatScreen) -> str:
    return "".join("".join(s.text for s in w.render_line(0)) for w in screen.query("#chat-headbar Static"))


async def test_chat_header_shows_the_scores_at_120_columns_and_the_wait_moves_on(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        cid = select(app, ChatStatus.ESCALATED)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen) and app.view is not None
        row = next(r for r in app.view.rows if r.id == cid)
        await pilot.pause()
        head = _head(screen)
        assert f"frust {row.frustration:.2f}" in head and f"risk {row.risk:.2f}" in head and "conf " in head
        assert f"waiting {duration(row.waiting_s(app.view.now))}" in head
        later = replace(app.view, now=app.view.now + 75)  # a tick later, the chat itself unchanged
        await screen.update_from(later)  # checked at once: the next real tick shows the floor's own time
        assert f"waiting {duration(row.waiting_s(later.now))}" in str(screen.query_one("#chat-scores", Static).render())
        await pilot.resize_terminal(80, 24)
        for _ in range(10):  # wait for the layout at the new size
            await pilot.pause(0.02)
            if screen.query_one("#chat-head").region.right <= 80 - len(f"risk {row.risk:.2f}"):
                break
        assert f"risk {row.risk:.2f}" in _head(screen)  # narrow: the names are cut, never the scores
    rt.close()


async def test_notifications_replace_each_other_and_stay_off_the_composer(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        select(app, ChatStatus.AI)
        await pilot.press("t")  # notifies the takeover
        await pilot.pause()
        app.notify("C-9 Bob: emotional", title="New escalation", severity="warning", timeout=30)
        await pilot.pause()
        await pilot.pause()
        shown = list(app._notifications)
        assert [n.title for n in shown] == ["New escalation"]  # the takeover's notice was replaced
        assert shown[0].timeout <= 5
        rack = app.screen.get_child_by_id("textual-toastrack")
        toasts = [t for t in rack.walk_children() if isinstance(t, Toast)]
        assert len(toasts) == 1
        composer = app.screen.query_one("#composer").region
        assert toasts[0].region.bottom <= composer.y  # above the composer, not over it
    rt.close()


def test_trigger_without_a_reason_has_no_dangling_colon() -> None:
    ev = Event(seq=1, at=0.0, type=EventType.CHAT_ESCALATED, chat_id="C1", data={"trigger": "technical", "reason": ""})
    line = entry(ev, "alice", 0.45, 0.4)
    assert line is not None and "TRIGGER technical ──" in line.plain and ":" not in line.plain.split("TRIGGER")[1]
    ev2 = Event(seq=2, at=0.0, type=EventType.CHAT_ESCALATED, chat_id="C1", data={"trigger": "emotional", "reason": "angry"})
    assert "TRIGGER emotional: angry ──" in (entry(ev2, "alice", 0.45, 0.4) or Text()).plain
    assert trigger_label("technical", " ") == "technical" and trigger_label("technical", "low") == "technical: low"


async def test_quit_question_is_singular_for_one_takeover(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n", "escape", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 open takeover (" in app.screen.question and "Hand it back" in app.screen.question
        await pilot.press("n")
    rt.close()
