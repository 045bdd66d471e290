"""``hitl-console simulate``: the floor without a screen, driven by simulated supervisors."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from hitl_console.config import load_settings
from hitl_console.core.models import Event, EventType
from hitl_console.paths import SESSION_LOG, default_db
from hitl_console.runtime import build_sim
from hitl_console.sources.supervisors import SupervisorPolicy
from hitl_console.store.report import PATHS


@click.command()
@click.option("--chats", "chats", type=click.IntRange(min=1), default=300, show_default=True,
              help="Run until this many chats have closed.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same floor.")
@click.option("--db", type=SESSION_LOG, default=None,
              help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.")
@click.option("--supervisor", "policy", type=click.Choice([p.value for p in SupervisorPolicy]),
              default="reactive", show_default=True, help="The simulated supervisors' policy.")
@click.option("--supervisors", type=click.IntRange(min=1), default=4, show_default=True,
              help="How many simulated supervisors.")
@click.option("--live", type=click.IntRange(min=1), default=None, help="Target number of live chats.")
@click.option("--agent", type=click.Choice(["rules", "claude"]), default=None,
              help="The AI agent (claude needs ANTHROPIC_API_KEY). Default: the config's agent.name, else rules.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="Settings TOML file.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--trace", is_flag=True, help="Print each takeover and close once it is committed to the log.")
@click.option("--start", type=float, default=None, help="Simulated clock start (epoch seconds). Default: now.")
@click.option("--source", "source_url", default=None, metavar="URL",
              help="Supervise an agent platform's chats over the HTTP bridge instead of the simulator.")
@click.option("--token", envvar="HITL_BRIDGE_TOKEN", default=None,
              help="With --source: bearer token for the platform (default: $HITL_BRIDGE_TOKEN).")
@click.option("--speed", type=click.FloatRange(min=0.01, max=1000), default=1.0, show_default=True,
              help="With --source: how much faster than real time the simulated supervisors act.")
def simulate(
    chats: int,
    seed: int,
    db: Path | None,
    policy: str,
    supervisors: int,
    live: int | None,
    agent: str | None,
    config_path: Path | None,
    as_json: bool,
    trace: bool,
    start: float | None,
    source_url: str | None,
    token: str | None,
    speed: float,
) -> None:
    """Run the simulated floor headless until --chats chats have closed, then print a summary.

    With --source URL, the floor is an agent platform's, over the HTTP bridge (docs/bridge.md)."""
    settings = load_settings(config_path)
    agent = agent or settings.agent.name
    if live is not None:
        settings.simulation.live_chats = live
    db_path = db or default_db()
    rt: Any
    if source_url is not None:
        from hitl_console.bridge.runtime import build_bridge

        rt = build_bridge(settings, source_url, token=token, db=db_path, agent=agent, policy=SupervisorPolicy(policy),
                          supervisors=supervisors, speed=speed, seed=seed, closed_only=True)
    else:
        rt = build_sim(
            settings,
            seed=seed,
            db=db_path,
            agent=agent,
            max_chats=chats,
            policy=SupervisorPolicy(policy),
            supervisors=supervisors,
            start=start,
        )
    if trace:
        rt.floor.subscribe(_tracer)
    progress = sys.stderr.isatty() and not as_json
    try:
        asyncio.run(rt.run(chats=chats) if source_url is not None else _run(rt, chats, progress))
    finally:
        rt.close()
    summary: dict[str, Any] = {"db": str(db_path), "session": rt.store.session_id if rt.store else None}
    summary |= rt.tally.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(format_summary(summary))


def _tracer(ev: Event) -> None:
    if ev.type is EventType.CHAT_ASSIGNED:
        click.echo(f"TAKEOVER {ev.chat_id} {ev.data['takeover_id']} {ev.data['kind']}")
        sys.stdout.flush()
    elif ev.type is EventType.CHAT_CLOSED:
        click.echo(f"CLOSED {ev.chat_id}")
        sys.stdout.flush()


async def _run(rt: Any, chats: int, progress: bool) -> None:
    sim = rt.sim
    sim.start()
    last = -1
    steps = 0
    while rt.floor.closed_count < chats:
        if not await sim.step():
            break
        steps += 1
        if rt.store is not None and rt.store.pending >= 500:
            rt.store.flush()
        if steps % 512 == 0:
            rt.floor.forget_closed()
        if progress:
            pct = rt.floor.closed_count * 100 // chats
            if pct != last:
                last = pct
                click.echo(f"\r{rt.floor.closed_count}/{chats} chats closed", nl=False, err=True)
    if progress:
        click.echo("", err=True)


def path_label(path: str) -> str:
    """A handling path in the report's words: ``after_customer_request`` -> "human after customer request",
    ``unattended_emotional`` -> "trigger fired, nobody came (emotional)"."""
    if path in PATHS:
        return PATHS[path]
    if path.startswith("unattended_"):
        return f"{PATHS['unattended']} ({_words(path.removeprefix('unattended_'))})"
    return _words(path)


def _rank(path: str, order: list[str]) -> int:
    """The report's order (``unattended_technical`` with ``unattended``); unknown paths last."""
    base = "unattended" if path.startswith("unattended_") else path
    return order.index(base) if base in order else len(order)


def _words(key: str) -> str:
    return key.replace("_", " ")


def format_summary(s: dict[str, Any]) -> str:
    """The summary for people: handling paths, triggers and takeover kinds in words (--json keeps the ids)."""
    labels = {p: path_label(p) for p in s["paths"]}
    w = max([len("handling path"), *map(len, labels.values())]) + 2
    lines = [
        f"log: {s['db']} (session {s['session']})",
        f"chats: {s['chats']}   AI-resolved: {s['ai_resolved_share'] * 100:.1f}%   abandoned: {s['abandoned']}"
        f"   mean rating: {format(s['mean_rating'], '.3f') if s['mean_rating'] is not None else '-'}",
        "escalations: " + (", ".join(f"{_words(k)} {v}" for k, v in s["escalations"].items()) or "none"),
        "takeovers:   " + (", ".join(f"{_words(k)} {v}" for k, v in s["takeovers"].items()) or "none"),
        "",
        f"{'handling path':<{w}}{'chats':>7}{'rated':>7}{'rating':>8}{'duration':>10}",
    ]
    order = list(PATHS)
    for path, p in sorted(s["paths"].items(), key=lambda kv: (_rank(kv[0], order), kv[0])):
        rating = f"{p['mean_rating']:.2f}" if p["mean_rating"] is not None else "-"
        dur = f"{p['mean_duration_s']:.0f}s" if p["mean_duration_s"] is not None else "-"
        lines.append(f"{labels[path]:<{w}}{p['chats']:>7}{p['rated']:>7}{rating:>8}{dur:>10}")
    return "\n".join(lines)
