"""``hitl-console demo-platform``: the built-in simulated shop served over the bridge protocol."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import click

from hitl_console.config import load_settings


@click.command("demo-platform")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on (0: any free port; the URL is printed).")
@click.option("--token", envvar="HITL_BRIDGE_TOKEN", default=None,
              help="Bearer token consoles must send (default: $HITL_BRIDGE_TOKEN; none: no auth).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the simulated shop.")
@click.option("--speed", type=click.FloatRange(min=0.01, max=1000), default=1.0, show_default=True,
              help="How much faster than real time the shop runs.")
@click.option("--live", type=click.IntRange(min=1), default=None, help="Target number of live chats.")
@click.option("--chats", type=click.IntRange(min=1), default=None, help="Stop opening chats after this many.")
@click.option("--journal", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Keep every event in this JSONL file, so that a restarted platform can resume consoles.")
@click.option("--overlap", type=click.IntRange(min=0), default=0, show_default=True,
              help="On a resume, also resend this many earlier events (to exercise a console's dedup).")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None, help="Settings TOML file.")
def demo_platform(
    host: str,
    port: int,
    token: str | None,
    seed: int,
    speed: float,
    live: int | None,
    chats: int | None,
    journal: Path | None,
    overlap: int,
    config_path: Path | None,
) -> None:
    """Serve the built-in simulated shop over the bridge protocol (see docs/bridge.md), so that
    `hitl-console connect URL` can be tried end to end. Runs until Ctrl-C."""
    from hitl_console.bridge.platform import DemoPlatform
    from hitl_console.bridge.server import DemoServer

    settings = load_settings(config_path)
    if live is not None:
        settings.simulation.live_chats = live
    platform = DemoPlatform(settings, seed=seed, speed=speed, max_chats=chats, journal=journal, overlap=overlap)

    async def serve() -> None:
        server = DemoServer(platform, host, port, token=token)
        await server.start()
        auth = "bearer token required" if token else "no token required"
        click.echo(f"demo platform on {server.url} (protocol v1, {auth}, speed x{speed:g}); Ctrl-C to stop")
        sys.stdout.flush()
        try:
            await platform.run()
        finally:
            await server.stop()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve())
    finally:
        platform.close()
