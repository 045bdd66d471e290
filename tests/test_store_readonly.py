"""A log that the reader may not write to (an archive, a read-only share) is still read by report, export and
review: a log in WAL mode needs its shared-memory file even to read, so it is opened as immutable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

NOBODY = 65534


def as_reader(args: list[str]) -> list[str]:
    """``args`` run by a user who cannot write the log: as root, dropped to nobody with setpriv."""
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop to a user who cannot write")
    drop = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    if subprocess.run([*drop, sys.executable, "-c", "import hitl_console"], capture_output=True).returncode:
        pytest.skip("the checkout or its environment is not readable by an unprivileged user")
    return [*drop, *args]


@pytest.fixture
def readonly_log() -> Iterator[Path]:
    # not pytest's tmp_path: its parents are private to the user running the tests
    folder = Path(tempfile.mkdtemp(prefix="hitl-ro-"))
    db = folder / "log.db"
    done = subprocess.run([sys.executable, "-m", "hitl_console", "simulate", "--chats", "3", "--db", str(db)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (folder / "log.db-shm").exists()  # closed cleanly: a reader would have to create it
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_report_and_export_read_a_log_they_cannot_write(readonly_log: Path) -> None:
    cli = [sys.executable, "-m", "hitl_console"]
    report = subprocess.run(as_reader([*cli, "report", "--db", str(readonly_log)]),
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    assert "Outcomes by handling path" in report.stdout
    export = subprocess.run(as_reader([*cli, "export", "--db", str(readonly_log), "--table", "chats", "--out", "-"]),
                            capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    assert export.stdout.count('"chat_id"') >= 3
    assert not (readonly_log.parent / "log.db-shm").exists()
