"""The app factory shared by the CLI, the TUI and the tests: one place that wires settings, catalogue,
clock, floor, store, agent, source and simulated supervisors together."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from hitl_console.agents.base import Agent
from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue, load_catalogue
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import Floor
from hitl_console.core.tally import Tally
from hitl_console.sources.simulator import Simulator
from hitl_console.sources.supervisors import SupervisorBot, SupervisorPolicy, bot_names, make_supervisors
from hitl_console.store.sessions import SIMULATED_KEY
from hitl_console.store.writer import Store


def make_agent(kind: str, catalogue: Catalogue, settings: Settings) -> Agent:
    """The AI agent: ``rules`` (offline default) or ``claude``."""
    if kind == "claude":
        from hitl_console.agents.claude import make_claude_agent  # optional, needs an API key

        return make_claude_agent(catalogue, settings)
    from hitl_console.agents.rules import RulesAgent

    return RulesAgent(catalogue, low_confidence=settings.thresholds.confidence)


@dataclass
class SimRuntime:
    settings: Settings
    catalogue: Catalogue
    clock: SimClock
    floor: Floor
    sim: Simulator
    tally: Tally
    store: Store | None = None
    bots: list[SupervisorBot] = field(default_factory=list)

    def close(self) -> None:
        """End the session: the simulated supervisors hand their chats back (logged at the session's end
        time, so none of their takeovers stays open), then the log records the end."""
        end = self.clock.now()
        for bot in self.bots:
            bot.end(at=end)
        self.bots = []
        if self.store is not None:
            self.store.end_session(end)
            self.store.close()


def build_sim(
    settings: Settings,
    *,
    seed: int = 0,
    db: Path | None = None,
    agent: str = "rules",
    max_chats: int | None = None,
    supervisor: str | None = None,
    policy: SupervisorPolicy | None = None,
    supervisors: int = 1,
    start: float | None = None,
    catalogue_path: Path | None = None,
    source_name: str = "simulator",
    bot_prefix: str = "sup",
    grace_s: float = 0.0,
) -> SimRuntime:
    """A simulated floor, logging to ``db`` when given, with simulated supervisors when ``policy`` is given."""
    catalogue = load_catalogue(catalogue_path)
    clock = SimClock(time.time() if start is None else start)
    floor = Floor(catalogue, clock, settings.thresholds)
    store: Store | None = None
    if db is not None:
        store = Store(db)
        config = settings.model_dump(mode="json")
        if policy is not None:  # who on this floor is simulated (the report tells them from people)
            config[SIMULATED_KEY] = {"policy": policy.value, "names": bot_names(bot_prefix, supervisors),
                                     "grace_s": grace_s}
        store.start_session(
            source=source_name,
            supervisor=supervisor or (policy.value if policy else "console"),
            agent=agent,
            seed=seed,
            config=config,
            started_at=clock.now(),
        )
        floor.subscribe(store.on_event)  # first: committed before anyone else hears of it
    tally = Tally()
    floor.subscribe(tally.on_event)
    sim = Simulator(
        floor,
        catalogue,
        make_agent(agent, catalogue, settings),
        clock,
        seed=seed,
        settings=settings.simulation,
        max_chats=max_chats,
    )
    rt = SimRuntime(settings, catalogue, clock, floor, sim, tally, store)
    if policy is not None:
        rt.bots = make_supervisors(
            sim, policy, supervisors, cap=settings.floor.takeover_cap, seed=seed, prefix=bot_prefix, grace_s=grace_s
        )
    return rt
