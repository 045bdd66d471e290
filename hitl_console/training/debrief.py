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


def breakdown_lines(res: dict[str, Any]) -> list[str]:
    b = res["breakdown"]
    lines = []
    for key, name in PART_NAMES.items():
        if key in b:
            lines.append(f"  {name:<18} {b[key]['points']:>5.1f} / {b[key]['max']:.0f}")
    if b.get("penalties"):
        lines.append(f"  {'mistakes':<18} {-b['penalties']:>5.1f}")
    return lines


def secs(t: float) -> str:
    """Scenario seconds as the debrief shows them everywhere: whole seconds."""
    return f"{t:.0f} s"


def chat_lines(res: dict[str, Any]) -> list[str]:
    ideal = {i["chat"]: i for i in res["ideal"]}
    lines = []
    for c in res["chats"]:
        i = ideal[c["chat"]]
        took = (
            "did not take over"
            if c["takeover_at"] is None
            else f"took over at {secs(c['takeover_at'])} ({c['takeover_kind']})"
        )
        lines.append(f"  {c['chat']}: {c['timing']}, {took}; ideal: {i['what']}")
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
