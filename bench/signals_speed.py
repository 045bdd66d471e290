"""Messages per second of the signals, pure Python, next to a bare VADER loop over the same messages.

    python bench/signals_speed.py [--messages 200000]

The engine's target is 20,000 messages/s for everything (signals, policy, SQLite logging), so the
signals alone must be well above that. Messages are short customer/agent lines like the simulator's.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hitl_console.signals import ChatSignals  # noqa: E402
from hitl_console.signals.routing import IntentRouter  # noqa: E402

CUSTOMER = [
    "Where is my order?",
    "It was supposed to arrive yesterday.",
    "That's not what I asked.",
    "I already told you my order number twice!",
    "Can I talk to a human please",
    "ok thanks",
    "This is ridiculous, still nothing.",
    "I want a refund for the broken kettle",
    "Could you change the delivery address to 12 Elm Street?",
    "WHY IS THIS SO HARD",
    "我要退货，商品坏了",
    "Yes, that works.",
]
AGENT = [
    "Let me check that for you.",
    "Your parcel is on its way and should arrive tomorrow.",
    "Sorry, I can't help with that.",
    "Could you give me your order number?",
    "I have started a return; the label is in your email.",
    "Is there anything else I can help with?",
]


def messages(n: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(rng.choice(CUSTOMER), rng.choice(AGENT)) for _ in range(n // 2)]


def bench_signals(pairs: list[tuple[str, str]], chat_len: int = 10) -> float:
    t0 = time.perf_counter()
    sig = ChatSignals()
    for i, (c, a) in enumerate(pairs):
        if i % chat_len == 0:
            sig = ChatSignals()
        sig.add_customer(c)
        sig.add_agent(a, 0.8)
    return 2 * len(pairs) / (time.perf_counter() - t0)


def bench_vader(pairs: list[tuple[str, str]]) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    v = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    for c, a in pairs:
        v.polarity_scores(c)
        v.polarity_scores(a)
    return 2 * len(pairs) / (time.perf_counter() - t0)


def bench_route(n_examples: int = 200, queries: int = 2000) -> tuple[float, float]:
    rng = random.Random(3)
    words = [
        "order",
        "parcel",
        "refund",
        "return",
        "address",
        "delivery",
        "kettle",
        "broken",
        "late",
        "card",
        "payment",
        "account",
        "invoice",
    ]
    examples = [
        (" ".join(rng.choices(words, k=6)) + f" number {i}", f"intent{i % 25}") for i in range(n_examples)
    ]
    t0 = time.perf_counter()
    r = IntentRouter(examples)
    build = (time.perf_counter() - t0) * 1000
    qs = [rng.choice(CUSTOMER) for _ in range(queries)]
    t0 = time.perf_counter()
    for q in qs:
        r.route(q)
    return build, (time.perf_counter() - t0) * 1000 / queries


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--no-vader", action="store_true")
    a = ap.parse_args(argv)
    pairs = messages(a.messages)
    ChatSignals().add_customer("warm up")  # load the artefact outside the timing
    ours = max(bench_signals(pairs) for _ in range(3))
    print(
        f"ChatSignals add_customer+add_agent: {ours:,.0f} messages/s ({len(pairs) * 2:,} messages, best of 3)"
    )
    if not a.no_vader:
        few = pairs[: max(len(pairs) // 10, 1000)]
        vs = bench_vader(few)
        print(
            f"bare VADER polarity_scores loop:    {vs:,.0f} messages/s ({len(few) * 2:,} messages) -> ours x{ours / vs:.1f}"
        )
    build, per = bench_route()
    print(f"IntentRouter, 200 examples: build {build:.1f} ms, route {per:.3f} ms per text")


if __name__ == "__main__":
    main()
