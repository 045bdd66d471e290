"""A rehearsal: a scenario played into a floor (optionally logged), a trainee (scripted or at the console),
and the result: score, breakdown, timeline against the ideal, tips. No Textual here."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue, load_catalogue
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import CommandRefused, Floor
from hitl_console.core.tally import Tally
from hitl_console.store.rehearsals import record_rehearsal
from hitl_console.store.scope import REHEARSAL
from hitl_console.store.writer import Store
from hitl_console.training.loader import load_scenario
from hitl_console.training.phrases import label
from hitl_console.training.player import Entry, ScenarioPlayer
from hitl_console.training.schema import Actions, Scenario
from hitl_console.training.scoring import best_rating, overall, score_chat


@dataclass
class RehearsalRuntime:
    """Everything a rehearsal needs; the TUI takes ``floor``, ``source``, ``clock`` and ``supervisor``."""

    settings: Settings
    catalogue: Catalogue
    scenario: Scenario
    path: Path
    clock: SimClock
    floor: Floor
    source: ScenarioPlayer
    supervisor: str
    tally: Tally
    store: Store | None = None
    started_wall: float = 0.0

    def close(self) -> None:
        if self.store is not None:
            self.store.end_session(self.clock.now())
            self.store.close()
            self.store = None


def build_rehearsal(
    path: Path,
    settings: Settings | None = None,
    *,
    scenario: Scenario | None = None,
    db: Path | None = None,
    supervisor: str = "trainee",
    start: float | None = None,
    catalogue_path: Path | None = None,
    mode: str = "scripted",
) -> RehearsalRuntime:
    """Load the scenario (unless given) and wire floor, player and, when ``db`` is given, the log."""
    settings = settings or Settings()
    sc = scenario or load_scenario(path)
    catalogue = load_catalogue(catalogue_path)
    clock = SimClock(time.time() if start is None else start)
    floor = Floor(catalogue, clock, settings.thresholds)
    store: Store | None = None
    if db is not None:
        store = Store(db)
        store.start_session(
            source=REHEARSAL,
            supervisor=supervisor,
            agent="scenario",
            config={"scenario": str(path), "title": sc.title, "mode": mode},
            started_at=clock.now(),
        )
        floor.subscribe(store.on_event)
    tally = Tally()
    floor.subscribe(tally.on_event)
    player = ScenarioPlayer(sc, floor, clock)
    return RehearsalRuntime(settings, catalogue, sc, Path(path), clock, floor, player, supervisor, tally, store,
                            time.time())


async def play_actions(rt: RehearsalRuntime, actions: Actions) -> None:
    """Run a scripted trainee to the end of the scenario."""
    p = rt.source
    p.start()
    sup = rt.supervisor
    only = rt.scenario.chats[0].id
    prev = p.now_s()
    for a in actions.actions:
        chat = a.chat or only
        run = p.runs[chat]
        if a.at is not None:
            target = a.at + a.delay
        elif a.after is not None:
            while a.after not in run.played and await p.step():
                pass
            if a.after not in run.played:
                p.refused.append(Entry(p.now_s(), chat, "you", f"{a.do}: skipped, turn {a.after} never played"))
                continue
            target = run.played[a.after] + a.delay
        else:
            target = prev + a.delay
        if p.t0 + target > p.end_at or p.done():
            p.refused.append(Entry(p.now_s(), chat, "you", f"{a.do}: skipped, the rehearsal was over"))
            continue
        await p.run_until(p.t0 + max(target, p.now_s()))
        try:
            if a.do == "take_over":
                await p.take_over(chat, sup)
            elif a.do == "send":
                await p.send(chat, sup, a.text or "")
            elif a.do == "hand_back":
                await p.hand_back(chat, sup)
            else:
                await p.resolve(chat, sup)
        except CommandRefused as e:
            p.refused.append(Entry(p.now_s(), chat, "you", f"{a.do}: refused, {e}"))
        prev = p.now_s()
    while await p.step():
        pass


def ideal(sc: Scenario) -> list[dict[str, Any]]:
    """What an expert does, chat by chat (times are those of the timeline left to itself)."""
    out: list[dict[str, Any]] = []
    for chat in sc.chats:
        ex = chat.expect
        nat = chat.natural_times()
        best = best_rating(chat)
        if ex.take_over:
            opens = chat.start if ex.window.opens is None else nat.get(ex.window.opens)
            closes = nat.get(ex.window.closes) if ex.window.closes else None
            if closes is None and ex.window.closes_after_s is not None and opens is not None:
                closes = opens + ex.window.closes_after_s
            kind = "proactively, before any trigger" if ex.proactive else "in the window"
            what = f"take over {kind}, from " + ("?" if opens is None else f"{opens:.0f}") + " s"
            what += f" to {closes:.0f} s" if closes is not None else ""
        else:
            opens, what = None, "leave it to the AI"
        out.append(
            {
                "chat": chat.id,
                "t": opens,
                "what": what,
                "say": [label(r, sc.rules[r]) for r in ex.say],
                "reply_within_s": ex.reply_within_s if ex.take_over else None,
                "best_rating": best,
                "note": ex.ideal,
            }
        )
    return out


def result(rt: RehearsalRuntime) -> dict[str, Any]:
    """Score the finished rehearsal."""
    p = rt.source
    p.finish()
    chats = [score_chat(p, run) for run in p.runs.values()]
    score, breakdown = overall(chats)
    tips = [t for c in chats for t in c.tips]
    if not tips:
        tips = ["Nothing to improve on this one: try a harder scenario."]
    return {
        "scenario": rt.scenario.title,
        "file": str(rt.path),
        "difficulty": rt.scenario.difficulty,
        "goal": rt.scenario.goal,
        "trainee": rt.supervisor,
        "score": score,
        "breakdown": breakdown,
        "chats": [c.as_dict() for c in chats],
        "tips": tips,
        "ideal": ideal(rt.scenario),
        "timeline": [{"t": e.t, "chat": e.chat, "who": e.who, "what": e.what} for e in p.timeline],
        "refused": [{"t": e.t, "chat": e.chat, "what": e.what} for e in p.refused],
        "duration_s": p.now_s(),
    }


def score_and_record(rt: RehearsalRuntime, *, mode: str, actions_file: Path | None = None) -> dict[str, Any]:
    """Score the rehearsal and store it in the log (when there is one); the log stays open."""
    res = result(rt)
    if rt.store is not None and rt.store.session_id is not None:
        rt.store.flush()
        rid = record_rehearsal(
            rt.store,
            res,
            mode=mode,
            actions_file=None if actions_file is None else str(actions_file),
            started_at=rt.started_wall,
            ended_at=time.time(),
        )
        res["log"] = {"db": str(rt.store.path), "session": rt.store.session_id, "rehearsal": rid}
    return res


def finish(rt: RehearsalRuntime, *, mode: str, actions_file: Path | None = None) -> dict[str, Any]:
    """Score the rehearsal, store it in the log (when there is one), close the log. Returns the result."""
    try:
        return score_and_record(rt, mode=mode, actions_file=actions_file)
    finally:
        rt.close()
