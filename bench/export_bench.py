"""Export speed: 1,000,000 messages to JSONL, against `sqlite-utils query DB "select * from messages" --nl`
in the same run (both as command-line programs writing to /dev/null). Also CSV and --redact, for reference.

    python bench/export_bench.py [--rows 1000000] [--all]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hitl_console.store.writer import open_db

LOREM = (
    "Hi, my order was supposed to arrive on Friday and it is still not here. Can you check where the parcel is? "
    "I would like a refund for the broken item, the size is wrong and the colour is not what I ordered. "
    "Thanks, that helps a lot. Please send me the return label by e-mail so I can drop it at the store. "
)


def build(path: Path, rows: int) -> None:
    """A log with ``rows`` messages, generated inside SQLite (fast; deterministic lengths, random scores)."""
    db = open_db(path)
    db.execute("INSERT INTO sessions (id, started_at, source) VALUES (1, 1767225600.0, 'bench')")
    conn = db.conn
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO messages (session_id, chat_id, seq, at, role, author, text, frustration, confidence, risk)"
        " SELECT 1, printf('C%06d', i / 8), i, 1767225600.0 + i * 1.37 + (abs(random()) % 100000) / 100000.0,"
        " CASE i % 3 WHEN 0 THEN 'customer' WHEN 1 THEN 'ai' ELSE 'human' END,"
        " CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 'rules' ELSE 'sup1' END,"
        " substr(?, 1 + (i * 7919) % 150, 30 + (i * 104729) % 120),"
        " CASE i % 3 WHEN 0 THEN (abs(random()) % 10000) / 10000.0 END,"
        " CASE i % 3 WHEN 1 THEN (abs(random()) % 10000) / 10000.0 END,"
        " (abs(random()) % 10000) / 10000.0 FROM n",
        (rows, LOREM),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    with open("/dev/null", "wb") as null:
        subprocess.run(cmd, stdout=null, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--all", action="store_true", help="also time CSV and --redact")
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    sqlite_utils = shutil.which("sqlite-utils", path=str(bindir)) or "sqlite-utils"
    hitl = shutil.which("hitl-console", path=str(bindir)) or "hitl-console"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t = time.perf_counter()
        build(db, args.rows)
        print(
            f"built {args.rows:,} messages in {time.perf_counter() - t:.1f}s ({db.stat().st_size / 1e6:.0f} MB)"
        )
        base = timed([sqlite_utils, "query", str(db), "select * from messages", "--nl"])
        ours = timed(
            [hitl, "export", "--db", str(db), "--table", "messages", "--format", "jsonl", "--out", "-"]
        )
        print(f"sqlite-utils query --nl : {base:6.2f}s  {args.rows / base:>10,.0f} rows/s")
        print(
            f"export jsonl            : {ours:6.2f}s  {args.rows / ours:>10,.0f} rows/s  {base / ours:.2f}x sqlite-utils"
            f"  (target >= 1.5x: {'met' if base / ours >= 1.5 else 'NOT met'})"
        )
        if args.all:
            for label, extra in (
                ("export csv", ["--format", "csv"]),
                ("export jsonl --redact", ["--redact"]),
            ):
                t = timed([hitl, "export", "--db", str(db), "--table", "messages", *extra, "--out", "-"])
                print(f"{label:<24}: {t:6.2f}s  {args.rows / t:>10,.0f} rows/s  {base / t:.2f}x")


if __name__ == "__main__":
    main()
