"""Engine throughput: messages scored, routed, applied and logged end to end (floor + signals + SQLite),
next to a bare VADER scoring loop over the same messages, measured in the same run.

The two are run alternately ``--repeat`` times and the best run of each is kept, so a busy machine
disturbs the ratio less. The simulator's conversations repeat their texts (canned first messages and
knowledge-base answers, as real shops do), which the engine's text caches exploit; ``--unique`` makes every
message text distinct (a number appended), the worst case for those caches.

    python bench/engine_bench.py [--messages 60000] [--repeat 3] [--unique]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from hitl_console.config import Settings
from hitl_console.core.catalogue import load_catalogue
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.models import Role
from hitl_console.runtime import build_sim
from hitl_console.sources.supervisors import SupervisorPolicy
from hitl_console.store.writer import Store


def corpus(n: int) -> list[list[tuple[str, str, float | None]]]:
    """Real simulator conversations (role, text, confidence), repeated until ``n`` messages."""
    rt = build_sim(Settings(), seed=1, max_chats=400, policy=SupervisorPolicy.REACTIVE, start=0.0)

    async def go() -> None:
        rt.sim.start()
        while rt.floor.closed_count < 400 and await rt.sim.step():
            pass

    asyncio.run(go())
    chats = [
        [(m.role.value, m.text, m.confidence) for m in c.messages] for c in rt.floor.chats.values() if c.messages
    ]
    out: list[list[tuple[str, str, float | None]]] = []
    total = 0
    while total < n:
        for c in chats:
            out.append(c)
            total += len(c)
            if total >= n:
                break
    return out


def make_unique(chats: list[list[tuple[str, str, float | None]]]) -> list[list[tuple[str, str, float | None]]]:
    """Every text distinct: no cache can help."""
    n = 0
    out = []
    for msgs in chats:
        c = []
        for role, text, conf in msgs:
            n += 1
            c.append((role, f"{text} {n}", conf))
        out.append(c)
    return out


def run_engine(chats: list[list[tuple[str, str, float | None]]], db: Path) -> tuple[int, float]:
    catalogue = load_catalogue()
    clock = SimClock(0.0)
    floor = Floor(catalogue, clock, Settings().thresholds)
    store = Store(db)
    store.start_session(source="bench")
    floor.subscribe(store.on_event)
    n = 0
    t0 = time.perf_counter()
    for i, msgs in enumerate(chats):
        cid = f"b{i}"
        role0, text0, _ = msgs[0]
        floor.open_chat(cid, "bench", text0)
        n += 1
        for role, text, conf in msgs[1:]:
            if role == "system":
                continue
            floor.add_message(cid, Role(role), text, confidence=conf, check_triggers=False)
            n += 1
        if i % 256 == 0:
            floor.forget_closed()
    store.flush()
    dt = time.perf_counter() - t0
    store.close()
    return n, dt


def run_vader(chats: list[list[tuple[str, str, float | None]]]) -> tuple[int, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    texts = [text for msgs in chats for role, text, _ in msgs if role != "system"]
    t0 = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return len(texts), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=3, help="Alternating runs of each; the best is kept.")
    ap.add_argument("--unique", action="store_true", help="Make every message text distinct.")
    args = ap.parse_args()
    chats = corpus(args.messages)
    if args.unique:
        chats = make_unique(chats)
    ours = vader = 0.0
    n = 0
    for k in range(args.repeat):
        with tempfile.TemporaryDirectory() as d:
            n, dt = run_engine(chats, Path(d) / f"bench{k}.db")
        vn, vdt = run_vader(chats)
        ours, vader = max(ours, n / dt), max(vader, vn / vdt)
    texts = len({t for msgs in chats for _, t, _ in msgs})
    print(f"messages: {n} ({texts} distinct texts), best of {args.repeat} alternating runs each")
    print(f"engine end to end (route + score + apply + log to SQLite): {ours:,.0f} messages/s")
    print(f"bare VADER polarity_scores loop over the same messages:    {vader:,.0f} messages/s")
    print(f"ratio engine / VADER: {ours / vader:.2f}x (target >= 1.0)")


if __name__ == "__main__":
    main()
