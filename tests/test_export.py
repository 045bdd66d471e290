"""Export: JSONL and CSV are faithful to the log, filters, redaction, constant memory, bad input."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_report_plant import START, Planter

from hitl_console.cli import main
from hitl_console.core.catalogue import Catalogue
from hitl_console.store import export
from hitl_console.store.export import TABLES, ExportQuery, export_csv, export_jsonl, output_columns
from hitl_console.store.queries import open_log
from hitl_console.store.redact import redact

SECRET = "card 4111 1111 1111 1111, mail jo.doe@example.com, phone +49 170 1234567, order #A12345"
TRICKY = 'He said "no", then:\nnew line, tab\tand =SUM(A1:A9) ünïcödé \x1b[31m'


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    path = tmp_path_factory.mktemp("export") / "log.db"
    p = Planter(path, catalogue)
    p.chat("ai_only", t0=START, rating=5, text=SECRET)
    p.chat("after_emotional", t0=START + 10.123456789, rating=2, human=2, text=TRICKY)
    p.chat("unattended", t0=START + 86_400)
    p.close()
    q = Planter(path, catalogue, start=START + 100)
    q.chat("proactive", t0=START + 100, rating=4)
    q.close()
    conn = sqlite3.connect(path)
    with conn:  # a trainee's rehearsal result, as the rehearsal player records it
        conn.execute(
            "INSERT INTO rehearsals (session_id, scenario_file, scenario_title, trainee, mode, started_at, ended_at,"
            " score, timing_points, max_points, timing_outcomes, result) VALUES (2, 'late.toml', 'Late parcel',"
            " 'Ana', 'scripted', ?, ?, 72, 30.5, 100.0, ?, ?)",
            (
                START + 300,
                START + 420.25,
                json.dumps({"early": 1}),
                json.dumps({"score": 72, "said": [SECRET]}),
            ),
        )
    conn.close()
    return path


def _run(args: list[str]) -> None:
    main(["export", *args])


def _table(path: Path, table: str) -> tuple[list[str], list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    cur = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    return [d[0] for d in cur.description], cur.fetchall()


def _with_iso(cols: list[str]) -> list[str]:
    """The log's columns with `<time>_iso` right after each time column (`at`, `*_at`)."""
    return [x for c in cols for x in ([c, c + "_iso"] if _is_time(c) else [c])]


def _is_time(col: str) -> bool:
    return col == "at" or col.endswith("_at")


def _iso(v: object) -> str | None:
    """Epoch seconds as ISO-8601 UTC to the second (SQLite rounds to the millisecond, then drops it)."""
    if v is None:
        return None
    assert isinstance(v, float)
    return datetime.fromtimestamp(round(v, 3), UTC).replace(microsecond=0).isoformat()


@pytest.mark.parametrize("table", list(TABLES))
def test_jsonl_is_one_object_a_line_equal_to_the_rows(log: Path, tmp_path: Path, table: str) -> None:
    out = tmp_path / f"{table}.jsonl"
    _run(["--db", str(log), "--table", table, "--format", "jsonl", "--out", str(out)])
    cols, rows = _table(log, table)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(rows) > 0
    for line, row in zip(lines, rows, strict=True):
        obj = json.loads(line)
        assert list(obj) == _with_iso(cols)
        for c, v in zip(cols, row, strict=True):
            if c in TABLES[table].json_columns:
                assert obj[c] == json.loads(str(v))  # JSON documents are embedded, not quoted
            else:
                assert obj[c] == v, c  # floats are exact: they read back to the same value
            if _is_time(c):
                assert obj[c + "_iso"] == _iso(v), c


@pytest.mark.parametrize("table", list(TABLES))
def test_csv_has_the_same_columns_and_readable_times_as_jsonl(log: Path, tmp_path: Path, table: str) -> None:
    j, c = tmp_path / "t.jsonl", tmp_path / "t.csv"
    _run(["--db", str(log), "--table", table, "--format", "jsonl", "--out", str(j)])
    _run(["--db", str(log), "--table", table, "--format", "csv", "--out", str(c)])
    objs = [json.loads(x) for x in j.read_text(encoding="utf-8").splitlines()]
    rows = list(csv.DictReader(io.StringIO(c.read_text(encoding="utf-8-sig"), newline="")))
    assert list(rows[0]) == list(objs[0]) and len(rows) == len(objs)
    times = [k for k in objs[0] if _is_time(k)]
    assert times and all(list(objs[0])[list(objs[0]).index(t) + 1] == t + "_iso" for t in times)
    nulls = 0
    for obj, row in zip(objs, rows, strict=True):
        for t in times:
            iso = obj[t + "_iso"]
            assert row[t + "_iso"] == (iso or "")  # the same text in both formats; empty for no time
            if iso is None:
                assert obj[t] is None
                nulls += 1
            else:  # it reads back as the epoch time it stands for, to the second
                back = datetime.fromisoformat(iso)
                assert back.utcoffset() is not None and back.utcoffset().total_seconds() == 0
                assert abs(back.timestamp() - obj[t]) < 1
                assert row[t] == repr(obj[t])  # the epoch column is unchanged
    if table == "takeovers":
        assert nulls  # a proactive takeover has no trigger time


def test_an_exported_time_selects_its_row_with_since(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "chats.jsonl"
    _run(["--db", str(log), "--table", "chats", "--out", str(out)])
    late = max((json.loads(x) for x in out.read_text().splitlines()), key=lambda r: r["opened_at"])
    assert late["opened_at_iso"] == "2026-01-02T00:00:00+00:00"  # START + 1 day
    _run(["--db", str(log), "--table", "chats", "--since", late["opened_at_iso"], "--out", str(out)])
    assert [json.loads(x)["chat_id"] for x in out.read_text().splitlines()] == [late["chat_id"]]


def test_only_real_time_columns_get_a_readable_twin_and_only_once(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (seen_at REAL, seen_at_iso TEXT, said_at TEXT, heat REAL, at REAL)")
    assert output_columns(conn, "t") == [
        ("seen_at", None), ("seen_at_iso", None), ("said_at", None), ("heat", None), ("at", None), ("at_iso", "at")
    ]


def test_csv_has_a_header_and_round_trips_tricky_text(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "messages.csv"
    _run(["--db", str(log), "--table", "messages", "--format", "csv", "--out", str(out)])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # spreadsheets then read it as UTF-8
    cols, rows = _table(log, "messages")
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert parsed[0] == _with_iso(cols) and len(parsed) == len(rows) + 1
    cols = parsed[0]
    texts = [r[cols.index("text")] for r in parsed[1:]]
    assert TRICKY in texts  # quotes, newlines, tabs and non-ASCII survive
    # a cell that a spreadsheet would run as a formula is defused
    assert all(not t.startswith("=") for t in texts)


def test_csv_defuses_formulas(tmp_path: Path, catalogue: Catalogue) -> None:
    p = Planter(tmp_path / "log.db", catalogue)
    p.chat("ai_only", t0=START, text='=HYPERLINK("http://x")')
    p.close()
    out = tmp_path / "m.csv"
    _run(["--db", str(tmp_path / "log.db"), "--table", "messages", "--format", "csv", "--out", str(out)])
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0]["text"] == '\'=HYPERLINK("http://x")'


def test_filters_by_session_and_since(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "chats.jsonl"
    _run(["--db", str(log), "--table", "chats", "--session", "2", "--out", str(out)])
    assert [json.loads(x)["session_id"] for x in out.read_text().splitlines()] == [2]
    _run(["--db", str(log), "--table", "chats", "--since", "2026-01-01T12:00", "--out", str(out)])
    assert [json.loads(x)["chat_id"] for x in out.read_text().splitlines()] == ["P00003"]
    _run(["--db", str(log), "--table", "sessions", "--session", "1", "--out", str(out)])
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == [1]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("table", ["messages", "events", "rehearsals"])
def test_redact_masks_text_everywhere_it_is_logged(log: Path, tmp_path: Path, fmt: str, table: str) -> None:
    plain, masked = tmp_path / f"p.{fmt}", tmp_path / f"m.{fmt}"
    _run(["--db", str(log), "--table", table, "--format", fmt, "--out", str(plain)])
    _run(["--db", str(log), "--table", table, "--format", fmt, "--redact", "--out", str(masked)])
    p, m = plain.read_text(encoding="utf-8-sig"), masked.read_text(encoding="utf-8-sig")
    for secret in ("4111 1111 1111 1111", "jo.doe@example.com", "170 1234567"):
        assert secret in p and secret not in m
    assert "[card]" in m and "[email]" in m and "[phone]" in m and "#A12345" in m
    assert len(p.splitlines()) == len(m.splitlines())
    if fmt == "jsonl" and table == "events":
        # timestamps inside event data are numbers, not phone numbers
        assigned = [json.loads(x) for x in m.splitlines() if '"chat.assigned"' in x]
        waited = [e for e in assigned if e["data"]["kind"] == "escalation"]
        assert waited and all(isinstance(e["data"]["trigger_at"], float) for e in waited)


def test_redact_patterns() -> None:
    assert redact("write to a.b+c@shop.example.org now") == "write to [email] now"
    assert redact("call (555) 123-4567 or 0151 23456789") == "call [phone] or [phone]"
    assert redact("4111-1111-1111-1111 / 378282246310005") == "[card] / [card]"
    kept = "order #A12345 of 2026-01-31, 3 items, 49.99 EUR, code 1234"
    assert redact(kept) == kept


def test_stdout_and_progress(log: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    _run(["--db", str(log), "--table", "takeovers", "--out", "-"])
    out = capsysbinary.readouterr().out.decode()
    assert [json.loads(x)["kind"] for x in out.splitlines()] == ["escalation", "proactive", "escalation"]
    _run(["--db", str(log), "--table", "takeovers", "--format", "csv", "--out", "-"])
    raw = capsysbinary.readouterr().out
    assert not raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark only in files, never on a pipe
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert [r["kind"] for r in rows] == ["escalation", "proactive", "escalation"]
    seen: list[tuple[int, int]] = []
    conn = open_log(log)
    n = export_jsonl(conn, ExportQuery("messages"), io.BytesIO(), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (n, n)


class _Sink(io.RawIOBase):
    def __init__(self) -> None:
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.size += len(b)
        return len(b)


def test_streams_in_constant_memory(tmp_path: Path, log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "CHUNK", 500)  # rows fetched at a time: small against the output
    db = tmp_path / "big.db"
    src = sqlite3.connect(log)
    src.backup(dst := sqlite3.connect(db))
    src.close()
    text = "x" * 2000
    with dst:
        dst.executemany(
            "INSERT INTO messages (session_id, chat_id, seq, at, role, text, risk) VALUES (1, ?, ?, ?, 'ai', ?, 0.25)",
            ((f"B{i}", i, START + i, text) for i in range(9_000)),
        )
    dst.close()
    conn = open_log(db)
    for fn in (export_jsonl, export_csv):
        peaks, sizes = [], []
        for since in (START + 6_000, START):  # 3,000 then 9,000 messages
            sink = _Sink()
            tracemalloc.start()
            fn(conn, ExportQuery("messages", since=since), sink)  # type: ignore[arg-type]
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            sizes.append(sink.size)
        assert sizes[1] > 18_000_000 and sizes[1] > 2.5 * sizes[0]
        # three times the rows, no more memory: a few chunks of rows at a time, whatever the output's size
        assert peaks[1] < 1.5 * peaks[0] and peaks[1] < sizes[1] / 3, (fn.__name__, peaks, sizes)


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--db", "{missing}", "--table", "chats", "--out", "-"], "no such file"),
        (["--db", "{foreign}", "--table", "chats", "--out", "-"], "not a hitl-console log"),
        (["--db", "{garbage}", "--table", "chats", "--out", "-"], "not a SQLite database"),
        (["--db", "{log}", "--table", "users", "--out", "-"], "--table 'users'"),
        (["--db", "{log}", "--table", "chats", "--format", "xlsx", "--out", "-"], "--format 'xlsx'"),
        (["--db", "{log}", "--table", "chats", "--out", "{nodir}/x.csv"], "cannot be written"),
        (["--db", "{log}", "--table", "chats", "--out", "{tmp}"], "is a directory"),
        (["--db", "{log}", "--table", "chats", "--out", "{log}"], "is the session log itself"),
        (["--db", "{log}", "--table", "chats", "--since", "2026-02-30", "--out", "-"], "--since"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], expect: str, log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 2\x00" + b"\x01" * 2000)
    paths = {
        "missing": tmp_path / "nope.db",
        "foreign": foreign,
        "garbage": garbage,
        "log": log,
        "nodir": tmp_path / "no" / "such",
        "tmp": tmp_path,
    }
    with pytest.raises(SystemExit) as e:
        _run([a.format(**paths) for a in args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert expect in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_a_failed_export_keeps_the_previous_file(log: Path, tmp_path: Path) -> None:
    out = tmp_path / "chats.csv"
    out.write_text("previous")
    with pytest.raises(SystemExit):
        _run(["--db", str(tmp_path / "nope.db"), "--table", "chats", "--out", str(out)])
    assert out.read_text() == "previous"


def test_export_reads_while_the_console_writes(tmp_path: Path, catalogue: Catalogue) -> None:
    p = Planter(tmp_path / "log.db", catalogue)
    p.chat("ai_only", t0=START, rating=5)
    conn = open_log(tmp_path / "log.db")  # the writer is still open (WAL): reading does not block it
    buf = io.BytesIO()
    export_jsonl(conn, ExportQuery("chats"), buf)
    p.chat("ai_only", t0=START + 10, rating=4)
    p.close()
    assert len(buf.getvalue().splitlines()) == 1


def test_schema_doc_describes_every_table_and_column(tmp_path: Path) -> None:
    from hitl_console.store.writer import open_db

    db = open_db(tmp_path / "fresh.db")
    doc = (Path(__file__).parent.parent / "docs" / "schema.md").read_text(encoding="utf-8")
    sections = {s.split("`")[1]: s for s in doc.split("\n## ")[1:] if s.startswith("`")}
    for table in db.table_names():
        assert table in sections, f"docs/schema.md has no section for {table}"
        for col in db[table].columns_dict:
            assert f"| `{col}` |" in sections[table], f"docs/schema.md: {table}.{col} is not described"
    assert set(TABLES) <= set(sections)  # every exportable table is documented
