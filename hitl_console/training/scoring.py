"""Scoring a rehearsal: deterministic, from what the trainee did against the scenario's ``expect``.

Per chat, four parts (points out of their maximum):

- timing (40): ``proactive`` (in the window, before any trigger) 40; ``in_window`` 40, or 32 when the
  scenario wanted a proactive takeover; ``late`` 12; ``missed`` 0; ``unnecessary`` (before the window opened,
  or on a chat the AI had) 8 when the chat needed a human later, else 0; ``left`` (correctly not taken) 40.
- reply latency (15): full when the human's mean reply time is within ``reply_within_s``, none at 4x.
- required elements (20): the share of ``expect.say`` rules found in the human's replies.
- ending (25): the customer's rating against the best the chat allows (the highest rating any of its
  turns, branches or ``resolve_rating`` gives): 1 -> 0 points, the best -> 25, linear between.

Parts that do not apply (latency and elements on a chat nobody had to take) are left out of the maximum.
Mistakes (``expect.avoid``) cost their penalty. The scenario's score is 100 x (points - penalties) / maximum
over all chats, each chat weighted by ``expect.weight``; 0-100, rounded. The scenario's breakdown gives each
part as the weighted mean over the chats (so a part only some chats have has a smaller maximum), rounded so
that the parts add up to the total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from hitl_console.training.phrases import label
from hitl_console.training.player import ChatRun, ScenarioPlayer
from hitl_console.training.schema import ChatScript

MAX = {"timing": 40.0, "latency": 15.0, "elements": 20.0, "ending": 25.0}
TIMING_POINTS = {"proactive": 40.0, "in_window": 40.0, "late": 12.0, "missed": 0.0, "left": 40.0}


def best_rating(chat: ChatScript) -> int:
    """The best rating the chat's script can end with."""
    return max(
        [b.rating for b in chat.branches if b.rating is not None]
        + [t.rating for t in chat.turns if t.rating is not None]
        + [chat.resolve_rating]
    )


def ending_points(rating: int | None, best: int) -> float:
    """The ending's points: rating 1 gives 0, the best possible rating the full 25 (none gives 0)."""
    if rating is None:
        return 0.0
    if best <= 1:
        return MAX["ending"]
    return MAX["ending"] * min(max((rating - 1) / (best - 1), 0.0), 1.0)


@dataclass
class Part:
    points: float
    max: float

    def as_dict(self) -> dict[str, float]:
        return {"points": round(self.points, 1), "max": round(self.max, 1)}


@dataclass
class ChatScore:
    chat: str
    weight: float
    timing: str
    takeover_at: float | None
    kind: str | None
    window: tuple[float | None, float | None]
    mean_latency_s: float | None
    said: list[str]
    missing: list[str]
    ending: str | None
    rating: int | None
    mistakes: list[dict[str, Any]]
    parts: dict[str, Part]
    penalty: float
    tips: list[str] = field(default_factory=list)
    said_labels: list[str] = field(default_factory=list)  # ``said`` as the rules' human labels

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts.values()) - self.penalty

    @property
    def max(self) -> float:
        return sum(p.max for p in self.parts.values())

    @property
    def score(self) -> int:
        return max(0, min(100, round(100 * self.points / self.max))) if self.max else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "chat": self.chat,
            "score": self.score,
            "weight": self.weight,
            "timing": self.timing,
            "takeover_at": self.takeover_at,
            "takeover_kind": self.kind,
            "window": {"opens_at": self.window[0], "closes_at": self.window[1]},
            "mean_reply_latency_s": None if self.mean_latency_s is None else round(self.mean_latency_s, 1),
            "said": self.said,
            "said_labels": self.said_labels,
            "missing": self.missing,
            "ending": self.ending,
            "rating": self.rating,
            "mistakes": self.mistakes,
            "breakdown": {k: p.as_dict() for k, p in self.parts.items()} | {"penalties": self.penalty},
        }


def window_times(run: ChatRun) -> tuple[float | None, float | None]:
    """When the chat's intervention window opened and closed (scenario seconds; None: not (yet))."""
    w = run.script.expect.window
    opened = run.script.start if w.opens is None else run.played.get(w.opens)
    closed: float | None = None
    if w.closes is not None:
        closed = run.played.get(w.closes)
    elif w.closes_after_s is not None and opened is not None:
        closed = opened + w.closes_after_s
    return opened, closed


def classify(run: ChatRun) -> str:
    """The timing outcome of a chat: proactive, in_window, late, missed, unnecessary or left."""
    ex = run.script.expect
    if not run.takeovers:
        return "missed" if ex.take_over else "left"
    if not ex.take_over:
        return "unnecessary"
    t, kind, _ = run.takeovers[0]
    opened, closed = window_times(run)
    if opened is None or t < opened:
        return "unnecessary"
    if closed is not None and t >= closed:
        return "late"
    return "proactive" if kind == "proactive" else "in_window"


def _fmt(t: float | None) -> str:
    return "-" if t is None else f"{t:.0f} s"


def score_chat(player: ScenarioPlayer, run: ChatRun) -> ChatScore:
    sc = run.script
    ex = sc.expect
    cid = sc.id
    timing = classify(run)
    opened, closed = window_times(run)
    tips: list[str] = []
    parts: dict[str, Part] = {}

    if timing == "unnecessary":
        tp = 8.0 if ex.take_over else 0.0
    elif timing == "in_window" and ex.proactive:
        tp = 32.0
    else:
        tp = TIMING_POINTS[timing]
    parts["timing"] = Part(tp, MAX["timing"])
    first = run.takeovers[0] if run.takeovers else None
    if timing == "missed":
        tips.append(f"{cid}: you never took this chat over. " + (ex.ideal or "It needed a human."))
    elif timing == "late" and first is not None:
        tips.append(
            f"{cid}: you took over at {_fmt(first[0])}, after the window closed at {_fmt(closed)}. "
            "Take escalated chats at once; the wait is what the customer remembers."
        )
    elif timing == "unnecessary" and first is not None:
        if ex.take_over:
            tips.append(
                f"{cid}: you took over at {_fmt(first[0])}, before there was any sign of trouble "
                f"(the window opened at {_fmt(opened)}). Watch the frustration trend before stepping in."
            )
        else:
            tips.append(
                f"{cid}: this chat did not need you; the AI was handling it. "
                "A takeover costs your attention elsewhere on the floor."
            )
    elif timing == "in_window" and ex.proactive and first is not None:
        tips.append(
            f"{cid}: you waited for the {first[2] or 'escalation'} trigger. The signs were there from "
            f"{_fmt(opened)}: step in before the trigger fires."
        )

    mean_latency: float | None = None
    if ex.take_over:
        target = ex.reply_within_s
        if run.latencies:
            mean_latency = sum(run.latencies) / len(run.latencies)
            frac = 1.0 - (mean_latency - target) / (3 * target)
            lp = MAX["latency"] * max(0.0, min(1.0, frac))
            if mean_latency > target:
                tips.append(
                    f"{cid}: your replies took {mean_latency:.0f} s on average; aim for under {target:.0f} s "
                    "(a short holding line counts)."
                )
        else:
            lp = 0.0
            if run.takeovers:
                tips.append(f"{cid}: you took the chat but never wrote to the customer.")
        parts["latency"] = Part(lp, MAX["latency"])

    said = [r for r in ex.say if r in run.said]
    missing = [r for r in ex.say if r not in run.said]
    if ex.say and ex.take_over:
        parts["elements"] = Part(MAX["elements"] * len(said) / len(ex.say), MAX["elements"])
        if run.takeovers:
            for r in missing:
                rule = player.rules[r]
                tips.append(f"{cid}: your replies lacked {label(r, rule)}. {rule.tip}".rstrip())

    rating = run.rating
    parts["ending"] = Part(ending_points(rating, best_rating(run.script)), MAX["ending"])
    if rating is None or rating <= 3:
        tips.append(
            f"{cid}: the chat ended '{run.ending or 'unresolved'}'"
            + (f" with rating {rating}." if rating else " without a rating.")
        )

    mistakes = [{"what": av.what, "at": t, "penalty": av.penalty} for av, t in run.mistakes]
    for av, _ in run.mistakes:
        tips.append(f"{cid}: {av.what}. {av.tip}".rstrip())
    penalty = float(sum(av.penalty for av, _ in run.mistakes))
    return ChatScore(
        chat=cid,
        weight=ex.weight,
        timing=timing,
        takeover_at=first[0] if first else None,
        kind=first[1] if first else None,
        window=(opened, closed),
        mean_latency_s=mean_latency,
        said=said,
        missing=missing,
        ending=run.ending,
        rating=rating,
        mistakes=mistakes,
        parts=parts,
        penalty=penalty,
        tips=tips,
        said_labels=[label(r, player.rules[r]) for r in said],
    )


def round_to_sum(values: list[float]) -> list[float]:
    """Round each value to one decimal so that the rounded values add up to their sum, rounded to one
    decimal (largest remainder): a breakdown whose parts visibly add up to its total."""
    tenths = [v * 10 for v in values]
    floors = [math.floor(t) for t in tenths]
    need = round(sum(tenths)) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: tenths[i] - floors[i], reverse=True)
    for i in order[: max(0, need)]:
        floors[i] += 1
    return [f / 10 for f in floors]


def overall(chats: list[ChatScore]) -> tuple[int, dict[str, Any]]:
    """The scenario's score and its weighted breakdown.

    Each part's points and maximum are the mean over the chats, weighted by ``expect.weight`` (a part only
    some chats have, like reply latency on a scenario where most chats need no human, has a smaller maximum);
    the score is 100 x (points - penalties) / maximum. The breakdown's figures are rounded to one decimal
    so that they add up to the rounded total."""
    total_w = sum(c.weight for c in chats) or 1.0
    keys = [k for k in MAX if any(k in c.parts for c in chats)]
    pts = [sum(c.weight * c.parts[k].points for c in chats if k in c.parts) / total_w for k in keys]
    mxs = [sum(c.weight * c.parts[k].max for c in chats if k in c.parts) / total_w for k in keys]
    pen = sum(c.weight * c.penalty for c in chats) / total_w
    *pts_r, neg_pen = round_to_sum([*pts, -pen])
    mxs_r = round_to_sum(mxs)
    breakdown: dict[str, Any] = {
        k: {"points": p, "max": m} for k, p, m in zip(keys, pts_r, mxs_r, strict=True)
    }
    breakdown["penalties"] = -neg_pen + 0.0  # no -0.0
    earned = sum(c.weight * c.points for c in chats)
    maximum = sum(c.weight * c.max for c in chats)
    score = max(0, min(100, round(100 * earned / maximum))) if maximum else 0
    timing_counts: dict[str, int] = {}
    for c in chats:
        timing_counts[c.timing] = timing_counts.get(c.timing, 0) + 1
    breakdown["timing_outcomes"] = dict(sorted(timing_counts.items()))
    return score, breakdown
