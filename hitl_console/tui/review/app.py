"""The review app: sessions -> takeovers -> one chat's timeline, over a session log opened read-only."""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path

from textual.app import App

from hitl_console.store.queries import LogReader
from hitl_console.tui.review.sessions import SessionsScreen


class ReviewApp(App[None]):
    """Browse a session log. ``tz`` is the time zone times are shown in (default: local)."""

    CSS_PATH = "review.tcss"
    TITLE = "hitl-console review"

    def __init__(self, reader: LogReader, *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.reader = reader
        self.tz = tz
        self.sub_title = reader.path.name

    @classmethod
    def open(cls, db: Path, *, tz: tzinfo | None = None) -> ReviewApp:
        """The app over the log at ``db`` (errors: one line naming the file)."""
        return cls(LogReader(db), tz=tz)

    def on_mount(self) -> None:
        self.push_screen(SessionsScreen(self.reader))

    def on_unmount(self) -> None:
        self.reader.close()
