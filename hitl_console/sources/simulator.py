"""The built-in simulated contact centre: customers arrive, the AI agent answers, triggers fire, and
humans (the TUI's supervisor or simulated ones) take over. Seeded and on a simulated clock.

Each customer draws from a random stream of its own (seed and arrival number), so the same seed gives
the same customers whatever the supervisors do: policies can be compared on the same floor. How their
mood moves and how they grade come from two more streams per customer, so the same customer also reacts
and grades alike whatever the timing.
"""

from __future__ import annotations

import random

from hitl_console.agents.base import Agent, AgentContext, AgentError, Turn
from hitl_console.config import SimulationSettings
from hitl_console.core.catalogue import Catalogue, Intent
from hitl_console.core.clock import SimClock
from hitl_console.core.engine import ChatState, CommandRefused, Floor, OpenTakeover
from hitl_console.core.models import ChatStatus, Event, EventType, Message, Role
from hitl_console.sources.customers import FIRST_NAMES, Customer, draw_leniency, initial_anger, make_persona
from hitl_console.sources.scheduler import Scheduler


class Simulator:
    """Drives a :class:`Floor` with simulated customers and an AI agent. Implements ``Source``."""

    def __init__(
        self,
        floor: Floor,
        catalogue: Catalogue,
        agent: Agent,
        clock: SimClock,
        *,
        seed: int = 0,
        settings: SimulationSettings | None = None,
        max_chats: int | None = None,
    ) -> None:
        self.floor = floor
        self.catalogue = catalogue
        self.agent = agent
        self.clock = clock
        self.seed = seed
        self.settings = settings or SimulationSettings()
        self.max_chats = max_chats
        self.scheduler = Scheduler(clock)
        self.rng = random.Random(seed)
        self.customers: dict[str, Customer] = {}
        self.arrived = 0
        self._eligible = [i for i in catalogue.intents if i.eligible]
        self._ineligible = [i for i in catalogue.intents if not i.eligible]
        self._started = False
        floor.subscribe(self._on_event)

    # -- arrivals ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the first arrivals, spread over the first minute."""
        if self._started:
            return
        self._started = True
        n = self.settings.live_chats
        if self.max_chats is not None:
            n = min(n, self.max_chats)
        for _ in range(n):
            self.scheduler.after(self.rng.uniform(0.0, 60.0), self._arrive)

    def _more_arrivals(self) -> bool:
        return self.max_chats is None or self.arrived < self.max_chats

    def _pick_intent(self, rng: random.Random) -> Intent:
        if self._ineligible and rng.random() < self.settings.ineligible_share:
            return rng.choice(self._ineligible)
        return rng.choice(self._eligible or self.catalogue.intents)

    async def _arrive(self) -> None:
        if not self._more_arrivals():
            return
        self.arrived += 1
        n = self.arrived
        rng = random.Random(self.seed * 1_000_003 + n)
        intent = self._pick_intent(rng)
        cust = Customer(
            name=rng.choice(FIRST_NAMES),
            intent=intent,
            persona=make_persona(rng, self.settings.patience_s, self.settings.wants_human_share),
            rng=rng,
            order_id=f"#A{rng.randint(10000, 99999)}",
        )
        cust.anger = cust.peak = initial_anger(rng, cust.persona)
        # Streams of their own (see Customer.mood_rng): the customer's words are drawn as without them.
        cust.persona.leniency = draw_leniency(random.Random(f"{self.seed}:{n}:grading"), cust.persona)
        cust.mood_rng = random.Random(f"{self.seed}:{n}:mood")
        if intent.eligible and rng.random() < self.settings.second_question_share:
            cust.next_intent = rng.choice([i for i in self._eligible if i.id != intent.id] or [intent])
        chat_id = f"C{n:05d}"
        self.customers[chat_id] = cust
        chat = self.floor.open_chat(chat_id, cust.name, cust.first_message())
        if chat.status is ChatStatus.AI:
            self._ai_soon(chat_id)
        elif chat.status is ChatStatus.ESCALATED:
            self._wait_soon(chat_id)

    # -- the AI's turns ---------------------------------------------------------------------------
    def _ai_soon(self, chat_id: str) -> None:
        async def run() -> None:
            await self._ai_turn(chat_id)

        self.scheduler.after(self.rng.expovariate(1.0 / self.settings.ai_reply_s) + 0.5, run)

    def context(self, chat: ChatState) -> AgentContext:
        cust = self.customers.get(chat.id)
        return AgentContext(
            chat_id=chat.id,
            customer=chat.customer,
            intent=chat.intent,
            transcript=[Turn(m.role, m.text) for m in chat.messages],
            order_id=cust.order_id if cust else None,
            trigger=chat.trigger.value if chat.trigger else None,
            trigger_reason=chat.trigger_reason or None,
        )

    async def _ai_turn(self, chat_id: str) -> None:
        chat = self.floor.chats.get(chat_id)
        if chat is None or chat.status is not ChatStatus.AI:
            return
        try:
            reply = await self.agent.reply(self.context(chat))
        except AgentError as e:
            if chat.status is ChatStatus.AI:
                self.floor.agent_error(chat_id, str(e), details=getattr(e, "details", None))
                self._wait_soon(chat_id)
            return
        if chat.status is not ChatStatus.AI:  # a human took it while the agent was thinking
            return
        self.floor.add_message(
            chat_id,
            Role.AI,
            reply.text,
            confidence=reply.confidence,
            needs_human=reply.needs_human,
            reason=reply.reason,
            author=self.agent.name,
            usage=reply.usage or None,
            latency_s=reply.latency_s if reply.usage else None,
        )
        cust = self.customers[chat_id]
        if chat.status is ChatStatus.ESCALATED:
            cust.handed_over()
        else:
            cust.react_to_ai(reply.text, reply.confidence)
        if chat.status is ChatStatus.AI:
            self._customer_soon(chat_id)
        elif chat.status is ChatStatus.ESCALATED:
            self._wait_soon(chat_id)

    # -- the customer's turns ---------------------------------------------------------------------
    def _customer_soon(self, chat_id: str, factor: float = 1.0) -> None:
        cust = self.customers[chat_id]

        async def run() -> None:
            await self._customer_turn(chat_id)

        think = self.settings.customer_think_s * (0.6 + cust.persona.verbosity) * factor
        self.scheduler.after(cust.rng.expovariate(1.0 / think) + 2.0, run)

    async def _customer_turn(self, chat_id: str) -> None:
        chat = self.floor.chats.get(chat_id)
        if chat is None or chat.status is ChatStatus.CLOSED:
            return
        cust = self.customers[chat_id]
        if chat.status is ChatStatus.AI:
            if cust.solved:
                more = cust.ask_next()
                if more is not None:
                    self.floor.add_message(chat_id, Role.CUSTOMER, more)
                    if chat.status is ChatStatus.AI:
                        self._ai_soon(chat_id)
                    elif chat.status is ChatStatus.ESCALATED:
                        self._wait_soon(chat_id)
                    return
                self.floor.add_message(chat_id, Role.CUSTOMER, cust.thanks(), check_triggers=False)
                self.floor.close(chat_id, Role.AI, rating=cust.rating())
                self._replace()
                return
            self.floor.add_message(chat_id, Role.CUSTOMER, cust.next_message())
            if chat.status is ChatStatus.AI:
                self._ai_soon(chat_id)
            elif chat.status is ChatStatus.ESCALATED:
                self._wait_soon(chat_id)
        elif chat.status is ChatStatus.HUMAN:
            last = chat.messages[-1] if chat.messages else None
            if last is not None and last.role is Role.HUMAN:
                self.floor.add_message(chat_id, Role.CUSTOMER, cust.reply_to_human())

    # -- waiting for a human ----------------------------------------------------------------------
    def _wait_soon(self, chat_id: str) -> None:
        cust = self.customers[chat_id]

        async def run() -> None:
            await self._wait_check(chat_id)

        self.scheduler.after(cust.rng.uniform(20.0, 45.0), run)

    async def _wait_check(self, chat_id: str) -> None:
        chat = self.floor.chats.get(chat_id)
        if chat is None or chat.status is not ChatStatus.ESCALATED:
            return
        cust = self.customers[chat_id]
        waited = chat.waiting_s(self.clock.now())
        cust.wait(self.clock.now() - max(chat.last_at, chat.trigger_at or 0.0))
        if waited >= cust.persona.patience:
            self.floor.add_message(chat_id, Role.CUSTOMER, "Forget it, I'll go elsewhere.", check_triggers=False)
            rating = cust.rating() if cust.rng.random() < 0.4 else None
            self.floor.close(chat_id, None, rating=min(rating, 2) if rating else None, abandoned=True)
            self._replace()
            return
        if cust.rng.random() < 0.5:
            self.floor.add_message(chat_id, Role.CUSTOMER, cust.waiting_message(), check_triggers=False)
        self._wait_soon(chat_id)

    def _replace(self) -> None:
        """Keep the floor at its target size: a closed chat is followed by a new arrival."""
        if self._more_arrivals():
            self.scheduler.after(self.rng.expovariate(1.0 / 4.0), self._arrive)

    # -- reacting to the humans -------------------------------------------------------------------
    def _on_event(self, ev: Event) -> None:
        if ev.type is EventType.MESSAGE and ev.data.get("role") == "human":
            cust = self.customers.get(ev.chat_id)
            if cust is not None:
                cust.react_to_human(ev.data["text"])
                self._customer_soon(ev.chat_id, factor=0.6)
        elif ev.type is EventType.CHAT_ASSIGNED:
            cust = self.customers.get(ev.chat_id)
            if cust is not None and ev.data.get("wait_s"):
                cust.wait(0.0)
        elif ev.type is EventType.CHAT_RELEASED and ev.chat_id in self.customers:
            if ev.data.get("to") == "queue":
                self._wait_soon(ev.chat_id)  # an ineligible chat waits for another human
            else:
                self._customer_soon(ev.chat_id)

    # -- Source: supervisor commands --------------------------------------------------------------
    async def take_over(self, chat_id: str, supervisor: str) -> OpenTakeover:
        return self.floor.take_over(chat_id, supervisor)

    async def send(self, chat_id: str, supervisor: str, text: str) -> Message:
        return self.floor.send_human(chat_id, supervisor, text)

    async def hand_back(self, chat_id: str, supervisor: str) -> None:
        self.floor.hand_back(chat_id, supervisor)

    async def resolve(self, chat_id: str, supervisor: str) -> None:
        cust = self.customers.get(chat_id)
        chat = self.floor.chat(chat_id)
        if chat.status is not ChatStatus.HUMAN or chat.holder != supervisor:
            self.floor.resolve(chat_id, supervisor)  # refused with the floor's reason
        rating = cust.rating() if cust else None
        self.floor.resolve(chat_id, supervisor, rating=rating)
        self._replace()

    async def draft(self, chat_id: str) -> str:
        chat = self.floor.chat(chat_id)
        return await self.agent.draft(self.context(chat))

    async def brief(self, chat_id: str) -> str:
        chat = self.floor.chat(chat_id)
        return await self.agent.brief(self.context(chat))

    # -- running ----------------------------------------------------------------------------------
    async def run_until(self, t: float) -> int:
        self.start()
        return await self.scheduler.run_until(t)

    async def step(self) -> bool:
        self.start()
        return await self.scheduler.step()


__all__ = ["CommandRefused", "Simulator"]
