"""Report speed on a log of 100,000 chats (about 40% taken over), generated inside SQLite; and the review
screens' paged queries on the same log (count, first page, a deep page, sorted by wait).

    python bench/report_bench.py [--chats 100000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hitl_console.store.queries import LogReader, TakeoverFilter, open_log
from hitl_console.store.report import Scope, build_report
from hitl_console.store.writer import open_db

TARGET_S = 2.0


def build(path: Path, chats: int) -> None:
    db = open_db(path)
    conn = db.conn
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO sessions (id, started_at, ended_at, source) VALUES (1, 1767225600.0, ?, 'bench')",
        (1767225600.0 + chats * 3.0,),
    )
    # path by i % 10: 0-5 AI only, 6 technical, 7 emotional, 8 customer request or ineligible, 9 proactive;
    # every 25th escalated chat is unattended
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO chats (session_id, chat_id, customer, intent, eligible, opened_at, closed_at, status,"
        " first_trigger, takeovers, resolved_by, rating, abandoned, duration_s)"
        " SELECT 1, printf('C%07d', i), 'Customer', 'delivery_delay', 1, 1767225600.0 + i * 3.0,"
        " 1767225600.0 + i * 3.0 + 60 + abs(random()) % 600, 'closed',"
        " CASE i % 10 WHEN 6 THEN 'technical' WHEN 7 THEN 'emotional'"
        "  WHEN 8 THEN CASE WHEN i % 20 = 8 THEN 'customer_request' ELSE 'ineligible' END WHEN 9 THEN NULL END,"
        " CASE WHEN i % 10 >= 6 AND i % 25 != 0 THEN 1 ELSE 0 END,"
        " CASE WHEN i % 25 = 0 AND i % 10 >= 6 THEN NULL WHEN i % 10 >= 6 THEN 'human' ELSE 'ai' END,"
        " CASE WHEN abs(random()) % 10 < 8 THEN 1 + abs(random()) % 5 END,"
        " CASE WHEN i % 25 = 0 AND i % 10 >= 6 THEN 1 ELSE 0 END, 60 + abs(random()) % 600 FROM n",
        (chats,),
    )
    conn.execute(
        "INSERT INTO takeovers (session_id, takeover_id, chat_id, supervisor, kind, trigger, trigger_at, taken_at,"
        " wait_s, human_messages, first_reply_at, reply_latency_s, ended_at, ending, rating)"
        " SELECT 1, row_number() OVER (ORDER BY c.rowid), c.chat_id, 'sup' || (c.rowid % 7),"
        " CASE WHEN c.first_trigger IS NULL THEN 'proactive' ELSE 'escalation' END, c.first_trigger,"
        " CASE WHEN c.first_trigger IS NOT NULL THEN c.opened_at + 10 END, c.opened_at + 40,"
        " CASE WHEN c.first_trigger IS NOT NULL THEN 30.0 + abs(random()) % 120 END, 1 + abs(random()) % 4,"
        " c.opened_at + 55, 15.0 + abs(random()) % 30, c.closed_at, 'resolved', c.rating"
        " FROM chats c WHERE c.takeovers = 1",
    )
    conn.execute("COMMIT")
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chats", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t = time.perf_counter()
        build(db, args.chats)
        conn = open_log(db)
        n_tk = conn.execute("SELECT count(*) FROM takeovers").fetchone()[0]
        print(f"built {args.chats:,} chats, {n_tk:,} takeovers in {time.perf_counter() - t:.1f}s")
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            rep = build_report(conn, Scope())
            best = min(best, time.perf_counter() - t)
        conn.close()
        assert rep.chats == args.chats
        print(
            f"report (in process, best of 3): {best:.2f}s   target < {TARGET_S:.0f}s: {'met' if best < TARGET_S else 'NOT met'}"
        )
        t = time.perf_counter()
        hitl = shutil.which("hitl-console", path=str(Path(sys.executable).parent)) or "hitl-console"
        subprocess.run([hitl, "report", "--db", str(db)], check=True, stdout=subprocess.DEVNULL)
        print(f"report (command, with start-up): {time.perf_counter() - t:.2f}s")
        reader = LogReader(db)
        flt = TakeoverFilter()
        for label, fn in (
            ("review: count takeovers", lambda: reader.count_takeovers(flt)),
            ("review: first page by time", lambda: reader.takeovers(flt, limit=100)),
            ("review: first page by wait", lambda: reader.takeovers(flt, sort="wait", limit=100)),
            (
                "review: last page by wait",
                lambda: reader.takeovers(flt, sort="wait", limit=100, offset=n_tk - 100),
            ),
            (
                "review: emotional, by rating",
                lambda: reader.takeovers(TakeoverFilter(trigger="emotional"), sort="rating"),
            ),
        ):
            t = time.perf_counter()
            fn()
            print(f"{label:<30}: {(time.perf_counter() - t) * 1000:6.1f} ms")
        reader.close()


if __name__ == "__main__":
    main()
