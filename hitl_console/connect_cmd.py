"""``hitl-console connect URL``: the live floor fed by an agent platform over the HTTP bridge."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import click

from hitl_console.config import load_settings
from hitl_console.paths import SESSION_LOG, default_db


@click.command()
@click.argument("url")
@click.option("--token", envvar="HITL_BRIDGE_TOKEN", default=None,
              help="Bearer token for the platform (default: $HITL_BRIDGE_TOKEN).")
@click.option("--db", type=SESSION_LOG, default=None,
              help="Session log (SQLite). Default: $HITL_CONSOLE_DB or the user data directory.")
@click.option("--supervisor", default=None, help="Your name on the platform and in the log. Default: your login name.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="Settings TOML file.")
@click.option("--agent", type=click.Choice(["rules", "claude"]), default="rules", show_default=True,
              help="The agent that drafts replies and briefs for you (claude needs ANTHROPIC_API_KEY).")
@click.option("--headless", is_flag=True,
              help="No screen: print the link state and the floor's escalations, takeovers and closes.")
def connect(
    url: str,
    token: str | None,
    db: Path | None,
    supervisor: str | None,
    config_path: Path | None,
    agent: str,
    headless: bool,
) -> None:
    """Open the floor on the agent platform at URL (protocol: docs/bridge.md).

    The platform's chats appear on the floor as they happen; your takeovers, messages, hand-backs and
    closes go to the platform, which refuses a chat another supervisor holds. Try it with
    `hitl-console demo-platform` in another terminal and `hitl-console connect http://127.0.0.1:8765`.
    """
    from hitl_console.bridge.runtime import build_bridge
    from hitl_console.bridge.source import normalize_url
    from hitl_console.run_cmd import login_name

    settings = load_settings(config_path)
    base = normalize_url(url)
    _probe(f"{base}/v1/events", token)  # a wrong URL or token ends here, in one line
    db_path = db or default_db()
    name = supervisor or login_name()
    rt = build_bridge(settings, base, token=token, db=db_path, agent=agent, name=name)
    if headless:
        try:
            asyncio.run(_headless(rt))
        except KeyboardInterrupt:
            pass
        finally:
            rt.close()
        click.echo(f"hitl-console: session logged to {db_path}")
        return
    _screen(rt, name, db_path)


def _probe(url: str, token: str | None) -> None:
    """Check the platform once: a wrong URL or token (or none where one is asked for) is one line."""
    from hitl_console.bridge.stream import probe

    asyncio.run(probe(url, token))


def _screen(rt: Any, name: str, db_path: Path) -> None:
    app = make_app(rt, name, db_path)
    try:
        app.run()
    finally:
        app.runtime.close()
    if app.fatal is not None:
        raise app.fatal
    click.echo(f"hitl-console: session logged to {db_path}")


def make_app(rt: Any, name: str, db_path: Path | None, *, threaded: bool = True) -> Any:
    """The console's App on a bridge runtime, showing the link's state (a line above the floor's KPIs, and
    a notice when it changes). ``threaded=False`` runs the engine on the screen's loop (tests)."""
    from hitl_console.bridge.runtime import BridgeDriver
    from hitl_console.tui.bridged_app import BridgedApp
    from hitl_console.tui.runtime import ConsoleRuntime

    runtime = ConsoleRuntime(
        floor=rt.floor,
        source=rt.source,
        driver=BridgeDriver(rt.source),
        supervisor=name,
        settings=rt.settings,
        db_path=db_path,
        on_close=rt.close,
        flush=rt.store.flush if rt.store is not None else None,
        threaded=threaded,
    )
    return BridgedApp(runtime, rt.source.link)


async def _headless(rt: Any) -> None:
    from hitl_console.bridge.protocol import clean_name
    from hitl_console.core.models import Event, EventType

    def show(ev: Event) -> None:
        if ev.type in (EventType.CHAT_ESCALATED, EventType.CHAT_ASSIGNED, EventType.CHAT_CLOSED,
                       EventType.BRIDGE_LINK, EventType.BRIDGE_MALFORMED):
            detail = ", ".join(f"{k}={v}" for k, v in ev.data.items() if v is not None and k != "data")
            stamp = time.strftime("%H:%M:%S", time.localtime(ev.at))
            click.echo(clean_name(f"{stamp} {ev.type.value} {ev.chat_id} {detail}"))

    rt.floor.subscribe(show)
    last = [0.0]

    def status() -> None:
        now = time.monotonic()
        if now - last[0] >= 10.0:
            last[0] = now
            live = len(rt.floor.live())
            click.echo(f"-- {live} live chats, {rt.floor.closed_count} closed | {rt.source.link.snapshot().line()}")

    await rt.run(on_tick=status)
