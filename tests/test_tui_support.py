"""Helpers for the TUI tests: a console on the simulated floor with a manual clock (no wall time)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hitl_console.config import Settings
from hitl_console.core.models import ChatStatus
from hitl_console.tui.app import HitlApp
from hitl_console.tui.runtime import ConsoleRuntime, SimDriver, make_sim_runtime
from hitl_console.tui.widgets.floor_table import FloorTable

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SIZE = (150, 40)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_console(
    db: Path,
    *,
    seed: int = 3,
    chats: int = 14,
    warmup_s: float = 150.0,
    cap: int = 3,
    colleagues: int = 0,
    **floor: Any,
) -> tuple[HitlApp, ConsoleRuntime]:
    settings = Settings()
    settings.simulation.live_chats = chats
    settings.simulation.colleagues = colleagues  # the flows under test are the console user's own
    settings.floor.takeover_cap = cap
    settings.floor.bell = False
    for k, v in floor.items():
        setattr(settings.floor, k, v)
    rt = make_sim_runtime(
        settings, seed=seed, db=db, supervisor="alice", speed=0.0, start=START, warmup_s=warmup_s, threaded=False
    )
    return HitlApp(rt), rt


async def advance(app: HitlApp, sim_seconds: float) -> None:
    """Move the simulated floor forward and show it."""
    driver = app.runtime.driver
    assert isinstance(driver, SimDriver)
    await app.host.call(driver.run_for, sim_seconds)
    await app.refresh_view()


def table(app: HitlApp) -> FloorTable:
    return app.screen.query_one(FloorTable)


def select(app: HitlApp, status: ChatStatus) -> str:
    """Put the floor's cursor on the first chat with ``status``; returns its id."""
    t = table(app)
    for i, r in enumerate(t.rows):
        if r.status is status:
            t.move_to(i)
            return r.id
    raise AssertionError(f"no {status} chat on the floor")


def rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()
