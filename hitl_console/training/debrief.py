"""The debrief as plain text: score and breakdown, what the trainee did against the ideal, tips.

Everything quoted from the chat is cleaned of control characters, so a message cannot drive the terminal.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PART_NAMES = {"timing": "timing", "latency": "reply latency", "elements": "required elements", "ending": "ending"}


def clean(text: str, limit: int | None = None) -> str:
    """One line, control characters shown as '?', cut to ``limit`` with an ellipsis."""
    s = _CONTROL.sub("?", text.replace("\n", " ").replace("\t", " "))
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "…"
    return s


def num(x: float) -> str:
    """A maximum as exactly as the JSON gives it (one decimal at most): 40, 7.5, 13.3."""
    return f"{round(x, 1):g}"


def breakdown_lines(res: dict[str, Any]) -> list[str]:
    """The score's parts, a total that is visibly their sum, and how it becomes the score out of 100.

    With several chats each part is the weighted mean over the chats, and a part that only some chats have
    (reply latency and required elements count only where a human is needed) has a smaller maximum."""
    b = res["breakdown"]
    lines = []
    points = maximum = 0.0
    for key, name in PART_NAMES.items():
        if key in b:
            lines.append(f"  {name:<18} {b[key]['points']:>5.1f} / {num(b[key]['max'])}")
            points += b[key]["points"]
            maximum += b[key]["max"]
    if b.get("penalties"):
        lines.append(f"  {'mistakes':<18} {-b['penalties']:>5.1f}")
        points -= b["penalties"]
    points = round(points, 1)
    total = f"  {'total':<18} {points:>5.1f} / {num(maximum)}"
    if round(maximum, 1) != 100 or points < 0:
        total += f"  = {res['score']} / 100" + (" (never below 0)" if points < 0 else "")
    lines.append(total)
    chats = res.get("chats", [])
    if len(chats) > 1:
        weights = {c["chat"]: c["weight"] for c in chats}
        heavy = [f"{cid} counts {w:g}x" for cid, w in weights.items() if w != 1]
        lines.append(f"  ({len(chats)} chats: each figure is the mean over them" + "".join(f"; {h}" for h in heavy) + ")")
        full = {"latency": 15.0, "elements": 20.0}
        if any(k in b and b[k]["max"] < m for k, m in full.items()):
            lines.append("  (reply latency and required elements count only on chats that need a human)")
    return lines


def secs(t: float) -> str:
    """Scenario seconds as the debrief shows them everywhere: whole seconds."""
    return f"{t:.0f} s"


def chat_lines(res: dict[str, Any]) -> list[str]:
    ideal = {i["chat"]: i for i in res["ideal"]}
    multi = len(res["chats"]) > 1
    lines = []
    for c in res["chats"]:
        i = ideal[c["chat"]]
        took = (
            "did not take over"
            if c["takeover_at"] is None
            else f"took over at {secs(c['takeover_at'])} ({c['takeover_kind']})"
        )
        lines.append(f"  {c['chat']}: {c['timing']}, {took}; ideal: {i['what']}")
        if multi:
            lines.append(f"      score {c['score']} / 100" + (f", counts {c['weight']:g}x" if c["weight"] != 1 else ""))
        if i["say"]:
            said = ", ".join(c.get("said_labels", c["said"])) or "none of them"
            lines.append(f"      required: {', '.join(i['say'])}; you said: {said}")
        rating = c["rating"] if c["rating"] is not None else "-"
        lines.append(f"      ending: {c['ending'] or '-'} (rating {rating}; best possible {i['best_rating']})")
        for m in c["mistakes"]:
            lines.append(f"      mistake at {secs(m['at'])}: {m['what']} (-{m['penalty']:g})")
    return lines


def timeline_lines(res: dict[str, Any], *, width: int = 80) -> list[str]:
    multi = len(res["chats"]) > 1
    lines = []
    for e in res["timeline"]:
        who = {"you": "YOU", "system": "--"}.get(e["who"], e["who"])
        chat = f"{e['chat']} " if multi else ""
        lines.append(f"  {e['t']:>6.0f}s {chat}{who:<8} {clean(e['what'], width)}")
    for e in res["refused"]:
        lines.append(f"  {e['t']:>6.0f}s {e['chat']} YOU      ({clean(e['what'], width)})")
    return lines


def format_debrief(res: dict[str, Any], *, timeline: bool = True) -> str:
    out = [
        f"{clean(res['scenario'])} ({res['difficulty']})",
        f"goal: {clean(res['goal'])}",
        "",
        f"score: {res['score']} / 100",
        *breakdown_lines(res),
        "",
        "what you did against the ideal:",
        *chat_lines(res),
    ]
    if timeline:
        out += ["", "timeline:", *timeline_lines(res)]
    out += ["", "tips:", *(f"  - {clean(t)}" for t in res["tips"])]
    if "log" in res:
        out += ["", f"stored in {res['log']['db']} (rehearsal {res['log']['rehearsal']})"]
    return "\n".join(out)
