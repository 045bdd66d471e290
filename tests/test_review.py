"""The review screens driven by Pilot: sessions -> takeovers (filters, sorts, paging) -> a chat's timeline."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from pathlib import Path

import pytest
from test_report_plant import START, Planter
from textual.widgets import DataTable, Input, Static

from hitl_console.cli import main
from hitl_console.core.catalogue import Catalogue
from hitl_console.store.queries import LogReader, TakeoverFilter
from hitl_console.tui.review.app import ReviewApp
from hitl_console.tui.review.chart import CurveChart
from hitl_console.tui.review.sessions import SessionsScreen
from hitl_console.tui.review.takeover_list import TakeoverList
from hitl_console.tui.review.takeovers import TakeoversScreen
from hitl_console.tui.review.timeline import TimelineScreen

HOSTILE = "[bold red]boom[/] \x1b[31mred\x1b[0m \u202eevil"


def plant_review_log(path: Path, catalogue: Catalogue) -> None:
    p = Planter(path, catalogue)
    p.chat("ai_only", t0=START, rating=5)
    p.chat("after_emotional", t0=START + 60, rating=2, wait=45, human=2, supervisor="mia", text=HOSTILE)
    p.chat("after_technical", t0=START + 120, rating=4, wait=15, supervisor="sam")
    p.chat("proactive", t0=START + 86_400, rating=5, supervisor="mia")
    p.chat("unattended", t0=START + 86_500)
    p.close()
    q = Planter(path, catalogue, start=START + 200_000)
    q.chat("after_customer_request", t0=START + 200_000, rating=3, wait=90, supervisor="sam")
    q.close()


@pytest.fixture
def log(tmp_path: Path, catalogue: Catalogue) -> Path:
    path = tmp_path / "log.db"
    plant_review_log(path, catalogue)
    return path


def _app(path: Path) -> ReviewApp:
    return ReviewApp(LogReader(path), tz=UTC)


async def test_sessions_to_takeovers_to_timeline(log: Path) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        assert isinstance(app.screen, SessionsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("a")  # all sessions
        assert isinstance(app.screen, TakeoversScreen)
        lst = app.screen.query_one(TakeoverList)
        assert lst.total == 5  # two in the proactive chat
        await pilot.press("t")  # trigger = technical
        assert lst.total == 2 and {lst.row(i).trigger for i in range(2)} == {"technical"}  # type: ignore[union-attr]
        await pilot.press("t")  # emotional
        assert lst.total == 1 and lst.selected is not None and lst.selected.supervisor == "mia"
        await pilot.press("enter")
        assert isinstance(app.screen, TimelineScreen)
        texts = [str(s.render()) for s in app.screen.query(".entry").results(Static)]
        joined = "\n".join(texts)
        assert "TRIGGER emotional" in joined and "TAKEOVER by mia (escalation, waited 45s)" in joined
        assert "CLOSED: resolved by human, ★★" in joined
        assert "frustration" in joined and "confidence 0.80" in joined
        await pilot.press("escape")
        assert isinstance(app.screen, TakeoversScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SessionsScreen)


async def test_a_session_and_filters_by_kind_supervisor_and_dates(log: Path) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("down", "enter")  # the older session (sessions are newest first)
        screen = app.screen
        assert isinstance(screen, TakeoversScreen) and screen.flt.session_id == 1
        lst = screen.query_one(TakeoverList)
        assert lst.total == 4
        await pilot.press("k")  # escalation
        assert lst.total == 3
        await pilot.press("k")  # proactive
        assert lst.total == 1 and lst.selected is not None and lst.selected.kind == "proactive"
        await pilot.press("c", "s")  # cleared, then the first supervisor
        assert {lst.row(i).supervisor for i in range(lst.total)} == {"mia"}  # type: ignore[union-attr]
        await pilot.press("c", "d")
        box = screen.query_one("#dates", Input)
        assert box.has_focus
        await pilot.press(*"2026-01-02", "enter")  # from the second day on
        assert lst.total == 2 and all(lst.row(i).taken_at >= START + 86_400 for i in range(2))  # type: ignore[union-attr, operator]
        await pilot.press("d", *" nonsense", "enter")  # a bad date: one line, nothing changes
        await pilot.pause()
        assert lst.total == 2
        assert any("not an ISO date" in str(n.message) for n in app._notifications)


async def test_sort_by_wait_rating_duration(log: Path) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("a")
        lst = app.screen.query_one(TakeoverList)
        await pilot.press("o")  # wait, ascending; proactive takeovers (no wait) last
        waits = [lst.row(i).wait_s for i in range(lst.total)]  # type: ignore[union-attr]
        assert waits[:4] == [10.0, 15.0, 45.0, 90.0] and waits[4] is None
        await pilot.press("r")  # descending
        assert [lst.row(i).wait_s for i in range(4)] == [90.0, 45.0, 15.0, 10.0]  # type: ignore[union-attr]
        await pilot.press("o")  # rating, descending
        ratings = [lst.row(i).rating for i in range(lst.total)]  # type: ignore[union-attr]
        assert ratings == sorted(ratings, reverse=True)  # type: ignore[type-var]
        await pilot.press("o")  # chat duration
        durs = [lst.row(i).duration_s for i in range(lst.total)]  # type: ignore[union-attr]
        assert durs == sorted(durs, reverse=True)  # type: ignore[type-var]


async def test_timeline_replay_steps_through_the_chat(log: Path) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("a", "t", "t", "enter")
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        entries = list(screen.query(".entry").results(Static))
        chart = screen.query_one(CurveChart)
        assert not any(e.has_class("future") for e in entries) and chart.cursor is None
        await pilot.press("s")  # replay from the start: only the opening is shown
        assert [e.has_class("future") for e in entries].count(False) == 1
        assert chart.cursor == screen.tl.entries[0].at
        await pilot.press("n", "right")
        assert [e.has_class("future") for e in entries].count(False) == 3
        await pilot.press("p")
        assert [e.has_class("future") for e in entries].count(False) == 2
        await pilot.press("a")
        assert not any(e.has_class("future") for e in entries) and chart.cursor is None
        # the curves: frustration from the customer's messages, confidence from the AI's
        assert screen.curves.confidence == [(START + 62, 0.8)]
        assert [m for _, m in screen.curves.marks] == ["trigger", "takeover", "close"]


async def test_customer_text_is_never_markup_or_escapes(log: Path) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("a", "t", "t", "enter")
        texts = [str(s.render()) for s in app.screen.query(".entry").results(Static)]
        line = next(t for t in texts if "boom" in t)
        assert "[bold red]boom[/]" in line  # shown literally, not interpreted
        assert "\x1b" not in line and "\u202e" not in line


def _big_log(path: Path, catalogue: Catalogue, n: int) -> None:
    Planter(path, catalogue).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO takeovers (session_id, takeover_id, chat_id, supervisor, kind, trigger, taken_at, wait_s,"
            " human_messages) VALUES (1, ?, ?, 'sup', 'escalation', 'technical', ?, ?, 1)",
            ((i, f"B{i:06d}", START + i, float(i % 97)) for i in range(1, n + 1)),
        )
    conn.close()


async def test_a_big_log_is_fetched_a_page_at_a_time(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "big.db"
    _big_log(path, catalogue, 30_000)
    app = _app(path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("a")
        lst = app.screen.query_one(TakeoverList)
        assert lst.total == 30_000
        assert lst.pages_fetched <= 1
        await pilot.press("pagedown", "pagedown", "pagedown")
        assert lst.cursor > 90 and lst.pages_fetched <= 2
        await pilot.press("end")
        await pilot.pause()
        assert lst.cursor == 29_999 and lst.selected is not None and lst.selected.chat_id == "B030000"
        assert lst.pages_fetched <= 4  # not 300
        await pilot.press("o")  # sort by wait over all rows: still one page
        await pilot.pause()
        assert lst.row(0) is not None and lst.row(0).wait_s == 0.0  # type: ignore[union-attr]


def test_reader_pages_and_counts(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "big.db"
    _big_log(path, catalogue, 1000)
    r = LogReader(path)
    flt = TakeoverFilter(session_id=1)
    assert r.count_takeovers(flt) == 1000
    everything = r.takeovers(flt, sort="wait", descending=True, limit=5000)
    waits = [x.wait_s for x in everything]
    assert len(everything) == 1000 and waits == sorted(waits, reverse=True)  # type: ignore[type-var]
    page = r.takeovers(flt, sort="wait", descending=True, limit=50, offset=100)
    assert [x.id for x in page] == [x.id for x in everything[100:150]]
    assert r.count_takeovers(TakeoverFilter(session_id=1, trigger="emotional")) == 0
    assert r.supervisors(1) == ["sup"]


def test_review_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["review", "--db", str(tmp_path / "nope.db")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "no such file" in err and err.count("\n") == 1


@pytest.mark.parametrize("depth", [1, 2])
async def test_q_quits_from_every_screen_and_escape_goes_back(log: Path, depth: int) -> None:
    app = _app(log)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("a", *["enter"] * (depth - 1))
        assert isinstance(app.screen, (TakeoversScreen, TimelineScreen)[depth - 1])
        if depth == 1:  # a q typed into the date filter is text, not quit
            await pilot.press("d", "q")
            assert app.is_running and app.screen.query_one("#dates", Input).value == "q"
            app.screen.query_one(TakeoverList).focus()
            await pilot.pause()
            assert isinstance(app.screen, TakeoversScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


def test_the_timeline_counts_human_messages_in_words() -> None:
    from hitl_console.tui.review.timeline import _messages

    assert [_messages(n) for n in (0, 1, 2)] == ["0 human messages", "1 human message", "2 human messages"]
