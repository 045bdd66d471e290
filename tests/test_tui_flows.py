"""Pilot tests of the console's flows, checked on the screen and in the session log."""

from __future__ import annotations

from pathlib import Path

from test_tui_support import SIZE, advance, make_console, rows, select, table
from textual.widgets import Static

from hitl_console.core.models import ChatStatus
from hitl_console.tui.order import sort_rows
from hitl_console.tui.safe_text import clean
from hitl_console.tui.screens.chat import ChatScreen
from hitl_console.tui.screens.confirm import ConfirmScreen
from hitl_console.tui.screens.floor import FloorScreen
from hitl_console.tui.screens.help import HelpScreen
from hitl_console.tui.widgets.kpi_bar import KpiBar


async def test_floor_lists_live_chats_escalations_first(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = table(app).rows
        live = {c.id for c in rt.floor.chats.values() if c.status is not ChatStatus.CLOSED}
        assert {r.id for r in shown} == live and len(live) >= 8
        statuses = [r.status for r in shown]
        n_esc = statuses.count(ChatStatus.ESCALATED)
        assert n_esc >= 1
        assert all(s is ChatStatus.ESCALATED for s in statuses[:n_esc])
        waits = [r.trigger_at for r in shown[:n_esc] if r.trigger_at is not None]
        assert len(waits) == n_esc
        assert waits == sorted(waits)  # longest waiting first
        ai = [r for r in shown[n_esc:] if r.status is ChatStatus.AI]
        flags = [r.candidate for r in ai]
        assert flags == sorted(flags, reverse=True)  # proactive candidates before the other AI chats
        for r in ai:
            assert r.candidate == rt.floor.chats[r.id].is_candidate(rt.settings.thresholds.risk_warning)
        kpis = app.screen.query_one(KpiBar).render()
        assert f"waiting {n_esc}" in str(kpis)
    rt.close()


async def test_take_over_the_oldest_escalation_is_logged(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        oldest = table(app).rows[0]
        assert oldest.status is ChatStatus.ESCALATED
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and app.screen.chat_id == oldest.id
        got = rows(db, "SELECT chat_id, supervisor, kind, trigger, ended_at FROM takeovers")
        assert got == [(oldest.id, "alice", "escalation", oldest.trigger, None)]
        assert rows(db, "SELECT status FROM chats WHERE chat_id = ?", oldest.id) == [("human",)]
        brief = str(app.screen.query_one("#brief").render())
        assert "Intent" in brief and "Frustration" in brief and "AI confidence" in brief
    rt.close()


async def test_proactive_takeover_send_draft_and_resolve(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cid = select(app, ChatStatus.AI)
        await pilot.press("t")
        await pilot.pause()
        assert rows(db, "SELECT kind, trigger FROM takeovers WHERE chat_id = ?", cid) == [("proactive", None)]
        # `i` opens the composer: then letters are text, not commands
        await pilot.press("i", *"hi there")
        await pilot.press("enter")
        await pilot.pause()
        assert rows(db, "SELECT role, author, text FROM messages WHERE chat_id = ? AND role = 'human'", cid) == [
            ("human", "alice", "hi there")
        ]
        assert rt.floor.chats[cid].status is ChatStatus.HUMAN  # 'h' and 'r' were typed, not run
        assert app.view is not None
        assert next(r for r in app.view.rows if r.id == cid).reply_due_at is None  # answered: nobody waits
        await advance(app, 60)
        await pilot.press("escape", "d")
        await pilot.pause()
        box = app.screen.query_one("#composer")
        draft = clean(await rt.source.draft(cid), single_line=True)
        assert box.value == draft and len(draft) > 10  # type: ignore[attr-defined]
        await pilot.press("end", "space", "o", "k", "enter")
        await pilot.pause()
        texts = [t for (t,) in rows(db, "SELECT text FROM messages WHERE chat_id = ? AND role = 'human'", cid)]
        assert texts == ["hi there", draft + " ok"]
        await pilot.press("escape", "r")
        await pilot.pause()
        assert isinstance(app.screen, FloorScreen)
        (status, resolved_by, rating), = rows(db, "SELECT status, resolved_by, rating FROM chats WHERE chat_id = ?", cid)
        assert (status, resolved_by) == ("closed", "human")
        assert rating is None or 1 <= rating <= 5
        notes = [str(n.message) for n in app._notifications]
        assert any(f"Resolved {cid}" in n and (f"rated it {rating}/5" if rating else "no rating") in n for n in notes)
        assert rows(db, "SELECT ending, human_messages, rating FROM takeovers WHERE chat_id = ?", cid) == [
            ("resolved", 2, rating)
        ]
        assert cid not in {r.id for r in table(app).rows}
    rt.close()


async def test_hand_back_and_escape_keeps_the_takeover_open(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cid = select(app, ChatStatus.ESCALATED)
        await pilot.press("enter")  # open without taking over
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert rows(db, "SELECT count(*) FROM takeovers") == [(0,)]
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("escape")  # leave the workspace (the transcript has the focus)
        await pilot.pause()
        assert isinstance(app.screen, FloorScreen)
        assert rows(db, "SELECT ended_at FROM takeovers WHERE chat_id = ?", cid) == [(None,)]
        mine = [r for r in table(app).rows if r.holder == "alice"]
        assert [r.id for r in mine] == [cid]
        table(app).move_to(table(app).rows.index(mine[0]))
        await pilot.press("enter", "h")  # the workspace opens with the transcript focused
        await pilot.pause()
        assert isinstance(app.screen, FloorScreen)
        assert rows(db, "SELECT ending FROM takeovers WHERE chat_id = ?", cid) == [("handed_back",)]
        # back to the AI, or, for a chat the AI may not handle, back to the human queue
        back = ChatStatus.AI if rt.floor.chats[cid].eligible else ChatStatus.ESCALATED
        assert rows(db, "SELECT status FROM chats WHERE chat_id = ?", cid) == [(back.value,)]
        assert rt.floor.chats[cid].status is back
        (trigger,), = rows(db, "SELECT trigger FROM takeovers WHERE chat_id = ?", cid)
        notes = [str(n.message) for n in app._notifications]
        said = next(n for n in notes if n.startswith(f"Handed {cid} back"))
        if back is ChatStatus.ESCALATED:
            assert "the queue" in said
        else:
            assert ("may escalate again" in said) == (trigger == "technical")
    rt.close()


async def test_takeover_cap_warns_and_shows_the_load(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db, cap=2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for n in range(3):
            await pilot.press("n" if n == 0 else "escape")
            if n:
                await pilot.press("escape", "n")
            await pilot.pause()
        assert rows(db, "SELECT count(*) FROM takeovers WHERE ended_at IS NULL AND supervisor = 'alice'") == [(3,)]
        msgs = [n.message for n in app._notifications]
        assert any("above the cap of 2" in m for m in msgs)
        assert sum("above the cap" in m for m in msgs) == 1  # only the third takeover went over
        header = str(app.screen.query_one(KpiBar).render())
        assert "3/2" in header and "OVER CAP" in header and "avg reply" in header
    rt.close()


async def test_filter_and_sort(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        everyone = list(table(app).rows)
        word = everyone[-1].intent
        await pilot.press("slash", *word, "enter")
        await pilot.pause()
        shown = table(app).rows
        assert shown and all(word in r.search for r in shown)
        assert len(shown) == sum(word in r.search for r in everyone) < len(everyone)
        await pilot.press("escape")
        await pilot.pause()
        assert len(table(app).rows) == len(everyone)
        await pilot.press("end", "s")  # next order: escalation risk, and the cursor goes to its top
        await pilot.pause()
        assert table(app).cursor == 0 and table(app).selected_id == table(app).rows[0].id
        assert int(table(app).scroll_offset.y) == 0
        risks = [r.risk for r in table(app).rows]
        assert risks == sorted(risks, reverse=True)
        assert [r.id for r in table(app).rows] == [r.id for r in sort_rows(everyone, "risk", "alice")]
    rt.close()


async def test_quit_asks_when_takeovers_are_open_and_hands_them_back(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "escape", "escape", "q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FloorScreen) and app.is_running
        await pilot.press("q", "ctrl+q", "q")  # asked again while the question is up: one question
        await pilot.pause()
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0
    assert rows(db, "SELECT ending FROM takeovers") == [("handed_back",)]
    rt.close()


async def test_help_lists_keys_and_remapped_keys_work(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db, keys={"floor.take_over": "T"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys", Static).content)
        assert "floor.take_over" in text and "Take over" in text and "chat.hand_back" in text
        await pilot.press("escape")
        select(app, ChatStatus.AI)
        await pilot.press("t")
        await pilot.pause()
        assert rows(db, "SELECT count(*) FROM takeovers") == [(0,)]
        await pilot.press("T")
        await pilot.pause()
        assert rows(db, "SELECT kind FROM takeovers") == [("proactive",)]
    rt.close()


async def test_new_escalation_is_notified(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db", warmup_s=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.clear_notifications()
        before = app.notified_escalations
        for _ in range(20):
            await advance(app, 15)
            if app.notified_escalations > before:
                break
        await pilot.pause()
        assert app.notified_escalations > before
        assert any("scalat" in (n.title or "") for n in app._notifications)
    rt.close()


async def test_simulated_colleagues_take_escalations_left_waiting(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    app, rt = make_console(db, colleagues=2, warmup_s=0.0)
    grace = rt.settings.simulation.colleague_grace_s
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await advance(app, 240.0)
        got = rows(db, "SELECT supervisor, kind, wait_s FROM takeovers")
        assert got, "nobody took an escalation in four simulated minutes"
        assert {s for s, _, _ in got} <= {"colleague-1", "colleague-2"}
        assert all(k == "escalation" and w >= grace for _, k, w in got)  # the console's human had first go
        held = [r for r in table(app).rows if r.status is ChatStatus.HUMAN]
        assert all(r.holder and r.holder.startswith("colleague-") for r in held)
    rt.close()


async def test_a_narrow_terminal_gets_short_header_labels_and_keeps_the_takeover_count(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db", cap=2)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("escape", "escape")
        await advance(app, 1.0)
        bar = app.screen.query_one(KpiBar)
        header = str(bar.render())
        assert "mine 1/2" in header and "my takeovers" not in header
        assert header.index("mine 1/2") + len("mine 1/2") <= bar.size.width  # on screen, not cut
        assert header.index("mine") < header.index("AI ")  # the load before the AI's share
    rt.close()


async def test_back_from_a_chat_the_cursor_is_on_that_chat(tmp_path: Path) -> None:
    app, rt = make_console(tmp_path / "log.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = table(app)
        await pilot.press("end")  # the cursor far from the oldest escalation that n takes
        await pilot.press("n")
        await pilot.pause()
        taken = app.screen.chat_id  # type: ignore[attr-defined]
        assert t.selected_id != taken
        await advance(app, 5.0)
        while app.screen.id != "floor":
            await pilot.press("escape")
            await pilot.pause()
        assert t.selected is not None and t.selected.id == taken == t.selected_id
    rt.close()
