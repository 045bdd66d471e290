"""Simulated supervisors for headless runs: ``reactive`` (takes escalated chats after a human-like
delay), ``proactive`` (also takes AI chats whose escalation risk crosses the warning threshold) and
``none`` (nobody comes). They act through the same Source commands as the TUI."""

from __future__ import annotations

import random
import re
from enum import StrEnum

from hitl_console.core.engine import ChatState, CommandRefused
from hitl_console.core.models import ChatStatus, Role
from hitl_console.sources.simulator import Simulator

_RESOLVED = re.compile(r"\b(thank|thanks|works|perfect|fine|finally|got it|great)\b", re.IGNORECASE)


class SupervisorPolicy(StrEnum):
    REACTIVE = "reactive"
    PROACTIVE = "proactive"
    NONE = "none"


class SupervisorBot:
    """One simulated human supervisor with a cap on open takeovers."""

    def __init__(
        self,
        name: str,
        sim: Simulator,
        policy: SupervisorPolicy,
        *,
        cap: int = 3,
        seed: int = 0,
        claimed: set[str] | None = None,
        grace_s: float = 0.0,
    ) -> None:
        self.name = name
        self.sim = sim
        self.policy = policy
        self.cap = cap
        self.rng = random.Random(f"{seed}:{name}")
        self.claimed = claimed if claimed is not None else set()  # shared between bots
        self.grace_s = grace_s  # leave an escalation this long to others (the console's human) first
        self._my_claims: set[str] = set()
        self._replying: set[str] = set()
        self.reaction_s = sim.settings.human_reaction_s
        self.reply_s = sim.settings.human_reply_s
        self.risk_warning = sim.floor.thresholds.risk_warning
        # A watching human also steps in when frustration is building, well before it reaches the trigger.
        self.frustration_watch = 0.5 * sim.floor.thresholds.frustration

    def start(self) -> None:
        if self.policy is not SupervisorPolicy.NONE:
            self.sim.scheduler.after(1.0, self._tick)

    def end(self, at: float | None = None) -> list[str]:
        """The session ends: hand back every chat this bot holds (logged as hand-backs at ``at``), so no
        simulated takeover stays open in the log. Returns the chats handed back."""
        floor = self.sim.floor
        back = []
        for chat in floor.held_by(self.name):
            try:
                floor.hand_back(chat.id, self.name, at=at)
            except CommandRefused:
                continue
            back.append(chat.id)
        self.claimed.difference_update(self._my_claims)
        self._my_claims.clear()
        return back

    def _building(self, chat: ChatState) -> bool:
        return chat.status is ChatStatus.AI and chat.frustration >= self.frustration_watch

    def _load(self) -> int:
        return len(self._my_claims)

    async def _tick(self) -> None:
        floor = self.sim.floor
        if self._load() < self.cap:
            waiting = sorted(
                (
                    c
                    for c in floor.chats.values()
                    if c.status is ChatStatus.ESCALATED
                    and c.id not in self.claimed
                    and c.waiting_s(floor.clock.now()) >= self.grace_s
                ),
                key=lambda c: c.trigger_at or 0.0,
            )
            picks = [c.id for c in waiting]
            if self.policy is SupervisorPolicy.PROACTIVE:
                at_risk = sorted(
                    (
                        c
                        for c in floor.chats.values()
                        if c.id not in self.claimed
                        and (c.is_candidate(self.risk_warning) or self._building(c))
                    ),
                    key=lambda c: -c.risk,
                )
                picks += [c.id for c in at_risk]
            for chat_id in picks[: self.cap - self._load()]:
                self._claim(chat_id)
        for chat in floor.held_by(self.name):
            last = chat.messages[-1] if chat.messages else None
            if chat.id not in self._replying and (last is None or last.role is not Role.HUMAN):
                self._reply_soon(chat.id)
        self.sim.scheduler.after(2.0, self._tick)

    def _claim(self, chat_id: str) -> None:
        self.claimed.add(chat_id)
        self._my_claims.add(chat_id)

        async def take() -> None:
            chat = self.sim.floor.chats.get(chat_id)
            if chat is None or chat.status not in (ChatStatus.AI, ChatStatus.ESCALATED):
                self._release(chat_id)
                return
            try:
                await self.sim.take_over(chat_id, self.name)
            except CommandRefused:
                self._release(chat_id)

        self.sim.scheduler.after(self.rng.expovariate(1.0 / self.reaction_s) + 3.0, take)

    def _release(self, chat_id: str) -> None:
        self.claimed.discard(chat_id)
        self._my_claims.discard(chat_id)

    def _reply_soon(self, chat_id: str) -> None:
        self._replying.add(chat_id)

        async def reply() -> None:
            self._replying.discard(chat_id)
            await self._act(chat_id)

        self.sim.scheduler.after(self.rng.expovariate(1.0 / self.reply_s) + 4.0, reply)

    async def _act(self, chat_id: str) -> None:
        floor = self.sim.floor
        chat = floor.chats.get(chat_id)
        if chat is None or chat.status is not ChatStatus.HUMAN or chat.holder != self.name:
            self._release(chat_id)
            return
        last = chat.messages[-1] if chat.messages else None
        tk = chat.takeover
        sent = tk.human_messages if tk else 0
        if last is not None and last.role is Role.CUSTOMER and sent > 0 and _RESOLVED.search(last.text):
            await self.sim.resolve(chat_id, self.name)
            self._release(chat_id)
            return
        if sent >= 4:
            await self.sim.resolve(chat_id, self.name)
            self._release(chat_id)
            return
        cust = self.sim.customers.get(chat_id)
        if (
            sent >= 1
            and tk is not None
            and tk.trigger is None
            and cust is not None
            and not cust.solved
            and cust.anger < 0.2
            and self.rng.random() < 0.3
        ):
            await self.sim.hand_back(chat_id, self.name)
            self._release(chat_id)
            return
        text = await self._compose(chat_id, sent)
        await self.sim.send(chat_id, self.name, text)

    async def _compose(self, chat_id: str, sent: int) -> str:
        cust = self.sim.customers.get(chat_id)
        if cust is None:
            return await self.sim.draft(chat_id)
        fixes = cust.intent.human_fix or [cust.intent.answer]
        opener = "I'm sorry about the trouble. " if sent == 0 and cust.anger > 0.4 else ""
        return opener + fixes[min(sent, len(fixes) - 1)]


def bot_names(prefix: str, count: int) -> list[str]:
    """The names :func:`make_supervisors` gives its bots (``sup1``, ``sup2``...)."""
    return [f"{prefix}{i + 1}" for i in range(count)]


def make_supervisors(
    sim: Simulator,
    policy: SupervisorPolicy,
    count: int,
    *,
    cap: int,
    seed: int,
    prefix: str = "sup",
    grace_s: float = 0.0,
) -> list[SupervisorBot]:
    claimed: set[str] = set()
    bots = [
        SupervisorBot(name, sim, policy, cap=cap, seed=seed, claimed=claimed, grace_s=grace_s)
        for name in bot_names(prefix, count)
    ]
    for b in bots:
        b.start()
    return bots
