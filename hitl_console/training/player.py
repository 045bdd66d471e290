"""The scenario player: plays a scenario's scripted chats into a :class:`Floor` on a simulated clock and
reacts to the trainee. It implements the ``Source`` protocol, so the floor and chat screens drive it exactly
as they drive the simulator.

Triggers are scripted (``trigger`` on a turn); the floor's own trigger checks are off for scripted messages,
so a rehearsal plays the same way whatever the signal models or thresholds say. Frustration and risk are
still scored by the floor for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hitl_console.core.clock import SimClock
from hitl_console.core.engine import CommandRefused, Floor, OpenTakeover
from hitl_console.core.models import ChatStatus, Message, Role, Trigger
from hitl_console.sources.scheduler import Scheduler
from hitl_console.training.phrases import matches
from hitl_console.training.schema import Avoid, ChatScript, Condition, Rule, Scenario, TraineeEvent

AI_AUTHOR = "scenario-ai"
REHEARSAL_ENDED = "rehearsal_ended"  # the ending of chats still open when the rehearsal ends
_TRIGGER_REASON = {
    "technical": "the AI is out of its depth",
    "emotional": "customer frustration",
    "customer_request": "customer asked for a human",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the rehearsal's timeline (scenario seconds)."""

    t: float
    chat: str
    who: str  # customer | ai | you | system
    what: str


@dataclass
class ChatRun:
    """What happened in one scripted chat."""

    script: ChatScript
    ids: list[str]
    opened: bool = False
    cursor: int | None = None
    gen: int = 0
    held_ai: int | None = None  # an AI turn waiting for the chat to come back to the AI
    played: dict[str, float] = field(default_factory=dict)
    last_turn: str | None = None
    said: set[str] = field(default_factory=set)
    fired: set[int] = field(default_factory=set)
    mistakes: list[tuple[Avoid, float]] = field(default_factory=list)
    takeovers: list[tuple[float, str, str | None]] = field(default_factory=list)  # (t, kind, trigger)
    trigger_at: float | None = None
    trigger: str | None = None
    human_messages: int = 0
    owed_since: float | None = None  # the human owes the customer a reply since then
    latencies: list[float] = field(default_factory=list)
    hand_backs: list[float] = field(default_factory=list)
    ending: str | None = None
    rating: int | None = None
    closed_at: float | None = None


class ScenarioPlayer:
    """Plays a :class:`Scenario` into a floor. Drive it with :meth:`run_until` / :meth:`step`."""

    def __init__(self, scenario: Scenario, floor: Floor, clock: SimClock) -> None:
        self.scenario = scenario
        self.floor = floor
        self.clock = clock
        self.t0 = clock.now()
        self.scheduler = Scheduler(clock)
        self.rules: dict[str, Rule] = dict(scenario.rules)
        self.runs: dict[str, ChatRun] = {c.id: ChatRun(c, c.turn_ids()) for c in scenario.chats}
        self.timeline: list[Entry] = []
        self.refused: list[Entry] = []
        self.finished = False
        self._started = False

    # -- time -------------------------------------------------------------------------------------
    def now_s(self) -> float:
        """Scenario seconds."""
        return round(self.clock.now() - self.t0, 3)

    @property
    def end_at(self) -> float:
        """The floor-clock time at which the rehearsal ends at the latest."""
        return self.t0 + self.scenario.duration_s

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for run in self.runs.values():
            self._schedule_open(run)

    def done(self) -> bool:
        """Every chat has closed, or the scenario's time is up."""
        if self.finished or self.clock.now() >= self.end_at:
            return True
        return self._started and all(r.closed_at is not None for r in self.runs.values())

    async def step(self) -> bool:
        """Play the next scheduled moment. False when nothing is left before the end."""
        self.start()
        nxt = self.scheduler.next_time()
        if nxt is None or nxt > self.end_at or self.done():
            return False
        return await self.scheduler.step()

    async def run_until(self, t: float) -> int:
        """Play everything due by floor-clock time ``t`` (capped at the scenario's end)."""
        self.start()
        return await self.scheduler.run_until(min(t, self.end_at))

    def finish(self) -> None:
        """End the rehearsal: chats still open are closed unresolved (not abandoned: nobody left), with the
        ending ``rehearsal_ended`` in their close event and takeover."""
        if self.finished:
            return
        self.finished = True
        t = self.now_s()
        for run in self.runs.values():
            run.gen += 1
            if run.owed_since is not None:
                run.latencies.append(round(t - run.owed_since, 3))
                run.owed_since = None
            if run.opened and run.closed_at is None:
                chat = self.floor.chats.get(run.script.id)
                if chat is not None and chat.status is not ChatStatus.CLOSED:
                    self.floor.close(run.script.id, None, ending=REHEARSAL_ENDED)
                run.ending = "still open when the rehearsal ended"
                run.closed_at = t
                self._note(run, "system", run.ending)

    # -- the scripted side -------------------------------------------------------------------------
    def _note(self, run: ChatRun, who: str, what: str) -> None:
        self.timeline.append(Entry(self.now_s(), run.script.id, who, what))

    def _schedule_open(self, run: ChatRun) -> None:
        async def go() -> None:
            self._open(run)

        self.scheduler.at(self.t0 + run.script.start, go)

    def _schedule(self, run: ChatRun, index: int, delay: float) -> None:
        run.gen += 1
        run.cursor = index
        run.held_ai = None
        gen = run.gen

        async def go() -> None:
            if run.gen == gen:
                self._play(run, index)

        self.scheduler.after(delay, go)

    def _open(self, run: ChatRun) -> None:
        sc = run.script
        run.opened = True
        self.floor.open_chat(sc.id, sc.customer, None, intent=sc.intent, eligible=sc.eligible)
        self._note(run, "system", "chat opened" + ("" if sc.eligible else " (not eligible for the AI)"))
        chat = self.floor.chats[sc.id]
        if chat.status is ChatStatus.ESCALATED:
            run.trigger, run.trigger_at = "ineligible", self.now_s()
        self._play(run, 0)

    def _play(self, run: ChatRun, index: int) -> None:
        sc = run.script
        chat = self.floor.chats.get(sc.id)
        if chat is None or chat.status is ChatStatus.CLOSED or self.finished:
            return
        turn = sc.turns[index]
        tid = run.ids[index]
        if turn.role == "ai" and chat.status is not ChatStatus.AI:
            run.held_ai = index  # the AI speaks again only once the chat is handed back
            run.cursor = None
            return
        t = self.now_s()
        role = Role.AI if turn.role == "ai" else Role.CUSTOMER
        self.floor.add_message(
            sc.id,
            role,
            turn.text,
            confidence=turn.confidence if role is Role.AI else None,
            author=AI_AUTHOR if role is Role.AI else None,
            check_triggers=False,
        )
        run.played.setdefault(tid, t)
        run.last_turn = tid
        self._note(run, turn.role, turn.text)
        if role is Role.CUSTOMER and chat.status is ChatStatus.HUMAN and run.owed_since is None:
            run.owed_since = t
        if turn.trigger is not None and chat.status is ChatStatus.AI:
            reason = _TRIGGER_REASON[turn.trigger]
            if turn.trigger == "technical" and turn.confidence is not None:
                reason = f"AI confidence {turn.confidence:.2f}"
            if self.floor.escalate(sc.id, Trigger(turn.trigger), reason):
                run.trigger, run.trigger_at = turn.trigger, t
                self._note(run, "system", f"escalated: {turn.trigger} ({reason})")
        if turn.end == "ai_resolved" and chat.status is ChatStatus.HUMAN:
            # the AI cannot resolve a chat the trainee holds: the customer's line stands, the chat stays
            # with the trainee to resolve, and the timeline stops here (as after next = "wait")
            run.cursor = None
            self._note(run, "system", "you hold the chat: it stays open for you to resolve (not the AI)")
            return
        if turn.end is not None:
            by = Role.AI if turn.end == "ai_resolved" else None
            self.floor.close(sc.id, by, rating=turn.rating, abandoned=turn.end == "abandoned")
            default = "the AI resolved it" if turn.end == "ai_resolved" else "the customer gave up"
            self._closed(run, turn.ending or default, turn.rating)
            return
        nxt = sc.successor(index)
        if nxt is None:
            run.cursor = None
        else:
            self._schedule(run, nxt, sc.turns[nxt].delay)

    def _closed(self, run: ChatRun, ending: str, rating: int | None) -> None:
        run.gen += 1
        run.cursor = None
        run.ending = ending
        run.rating = rating
        run.closed_at = self.now_s()
        if run.owed_since is not None:  # the customer left (or was closed on) while waiting for a reply
            run.latencies.append(round(run.closed_at - run.owed_since, 3))
            run.owed_since = None
        self._note(run, "system", f"closed: {ending}" + (f", rating {rating}" if rating else ", no rating"))

    # -- reacting to the trainee --------------------------------------------------------------------
    def holds(self, cond: Condition, run: ChatRun, on: TraineeEvent, text: str | None, kind: str | None) -> bool:
        """Whether a branch's or a mistake's condition holds for this trainee event now."""
        if cond.on != on:
            return False
        t = self.now_s()
        checks = (
            cond.before is None or cond.before not in run.played,
            cond.after is None or cond.after in run.played,
            cond.before_s is None or t < cond.before_s,
            cond.after_s is None or t >= cond.after_s,
            not cond.last_turn or run.last_turn in cond.last_turn,
            cond.match is None or (text is not None and matches(self.rules[cond.match], text)),
            all(r in run.said for r in cond.said),
            not any(r in run.said for r in cond.missing),
            cond.kind is None or cond.kind == kind,
        )
        return all(checks)

    def _trainee(self, run: ChatRun, on: TraineeEvent, text: str | None = None, kind: str | None = None) -> int | None:
        """Count mistakes and fire the first matching branch; returns its index."""
        t = self.now_s()
        for av in run.script.expect.avoid:
            if all(a is not av for a, _ in run.mistakes) and self.holds(av, run, on, text, kind):
                run.mistakes.append((av, t))
                self._note(run, "system", f"mistake: {av.what}")
        for i, br in enumerate(run.script.branches):
            if br.once and i in run.fired:
                continue
            if self.holds(br, run, on, text, kind):
                run.fired.add(i)
                if br.goto is not None:
                    target = run.ids.index(br.goto)
                    self._schedule(run, target, run.script.turns[target].delay)
                return i
        return None

    def _run(self, chat_id: str) -> ChatRun:
        run = self.runs.get(chat_id)
        if run is None or not run.opened:
            raise CommandRefused(f"no chat {chat_id}")
        return run

    # -- Source ------------------------------------------------------------------------------------
    async def take_over(self, chat_id: str, supervisor: str) -> OpenTakeover:
        run = self._run(chat_id)
        tk = self.floor.take_over(chat_id, supervisor)
        t = self.now_s()
        trig = tk.trigger.value if tk.trigger else None
        run.takeovers.append((t, tk.kind.value, trig))
        run.owed_since = t
        self._note(run, "you", f"took over ({tk.kind.value}{', ' + trig if trig else ''})")
        self._trainee(run, "take_over", kind=tk.kind.value)
        return tk

    async def send(self, chat_id: str, supervisor: str, text: str) -> Message:
        run = self._run(chat_id)
        msg = self.floor.send_human(chat_id, supervisor, text)
        t = self.now_s()
        run.human_messages += 1
        if run.owed_since is not None:
            run.latencies.append(round(t - run.owed_since, 3))
            run.owed_since = None
        for name, rule in self.rules.items():
            if matches(rule, text):
                run.said.add(name)
        self._note(run, "you", text)
        self._trainee(run, "reply", text=text)
        return msg

    async def hand_back(self, chat_id: str, supervisor: str) -> None:
        run = self._run(chat_id)
        self.floor.hand_back(chat_id, supervisor)
        run.hand_backs.append(self.now_s())
        run.owed_since = None
        self._note(run, "you", "handed back to the AI")
        held = run.held_ai
        if self._trainee(run, "hand_back") is None and held is not None:
            self._schedule(run, held, run.script.turns[held].delay)

    async def resolve(self, chat_id: str, supervisor: str) -> None:
        run = self._run(chat_id)
        chat = self.floor.chat(chat_id)
        if chat.status is not ChatStatus.HUMAN or chat.holder != supervisor:
            self.floor.resolve(chat_id, supervisor)  # refused with the floor's reason
        fired = self._trainee(run, "resolve")
        br = run.script.branches[fired] if fired is not None else None
        rating = br.rating if br is not None and br.rating is not None else run.script.resolve_rating
        ending = br.ending if br is not None and br.ending else "resolved by you"
        self.floor.resolve(chat_id, supervisor, rating=rating)
        run.owed_since = None
        self._note(run, "you", "resolved the chat")
        self._closed(run, ending, rating)

    async def draft(self, chat_id: str) -> str:
        run = self._run(chat_id)
        return run.script.draft or "I'm sorry for the trouble. Let me look into this for you right now."

    async def brief(self, chat_id: str) -> str:
        chat = self.floor.chat(chat_id)
        ai = [m.text for m in chat.messages if m.role is Role.AI]
        lines = [
            f"{chat.customer} · intent {chat.intent or 'unknown'} · "
            + (f"trigger {chat.trigger.value} ({chat.trigger_reason})" if chat.trigger else "no trigger"),
            f"The AI tried: {ai[-1]}" if ai else "The AI has not answered yet.",
        ]  # the chat screen adds the frustration and confidence trajectory below the brief
        return "\n".join(lines)
