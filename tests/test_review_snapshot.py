"""SVG snapshots of the review screens (pytest-textual-snapshot): sessions, takeovers, a chat's timeline."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from test_review import plant_review_log

from hitl_console.core.catalogue import Catalogue
from hitl_console.store.queries import LogReader
from hitl_console.tui.review.app import ReviewApp


@pytest.fixture
def app(tmp_path: Path, catalogue: Catalogue) -> ReviewApp:
    path = tmp_path / "log.db"
    plant_review_log(path, catalogue)
    return ReviewApp(LogReader(path), tz=UTC)


def test_sessions_screen(app: ReviewApp, snap_compare: Any) -> None:
    assert snap_compare(app, terminal_size=(130, 20))


def test_takeovers_screen(app: ReviewApp, snap_compare: Any) -> None:
    assert snap_compare(app, press=["a", "o"], terminal_size=(130, 20))


def test_timeline_screen(app: ReviewApp, snap_compare: Any) -> None:
    assert snap_compare(app, press=["a", "t", "t", "enter"], terminal_size=(130, 40))
