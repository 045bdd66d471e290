"""The demo platform: the built-in simulated shop (customers and the rules AI agent) behind the bridge
protocol. It is the arbiter of who holds a chat: a takeover of a chat another supervisor holds is
answered 409 with the holder, whichever console asks.

Event ids are ``EPOCH-SEQ``: opaque to a console, and never reused across restarts (a journal keeps the
epoch; without one, each start draws a new epoch). The epoch names the platform's history: it is sent as
the ``Bridge-Run`` header of the event stream, so that a console sees a platform that came back without its
history. With a journal (JSONL, one event a line, flushed before it is sent) a restarted platform serves
every earlier event for resumption and its clock resumes where the journal's left off (plus the time it was
down), never back; chats that were open when it stopped are closed without an outcome (``ending``
``platform_restarted``: their simulated customers were lost with the process, they did not leave), and
new chats get ids with the run number (``C00001-2``). Without
a journal, chat ids carry the epoch (``C00001-1a2b3c4d``), so that no run reuses another's chat ids.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from hitl_console.bridge.mirror import RESTARTED
from hitl_console.bridge.protocol import (
    COMMAND_MODELS,
    CloseCommand,
    MessageCommand,
    TakeoverCommand,
    describe_error,
)
from hitl_console.config import Settings
from hitl_console.core.engine import ChatState, CommandRefused
from hitl_console.core.models import ChatStatus, Event, EventType
from hitl_console.errors import InputError
from hitl_console.runtime import SimRuntime, build_sim

Answer = tuple[int, dict[str, Any]]
Item = tuple[str, str]  # (event id, data)


RUN_SEED_STEP = 7919  # the seed of each later run of a journal: seed + step * (run - 1)


class DemoPlatform:
    """The simulator, its event log and the command handlers. Run :meth:`run` to move its clock."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        seed: int = 0,
        speed: float = 1.0,
        max_chats: int | None = None,
        journal: Path | None = None,
        retention: int = 200_000,
        overlap: int = 0,
        tick_s: float = 0.05,
    ) -> None:
        self.settings = settings or Settings()
        self.speed = speed
        self.tick_s = tick_s
        self.overlap = overlap
        self.epoch = secrets.token_hex(4)
        self.run_no = 1
        self.seq = 0
        self.last_at: float | None = None  # the latest time of an event (from the journal, then sent)
        self.log: deque[tuple[int, str, str]] = deque(maxlen=retention)
        self.open_events: dict[str, list[Item]] = {}  # events of open chats (a fresh console's snapshot)
        self.last_of: dict[str, str] = {}  # chat -> id of its latest event
        self.closed: OrderedDict[str, None] = OrderedDict()
        self._to_ext: dict[str, str] = {}
        self._to_sim: dict[str, str] = {}
        self._queues: set[asyncio.Queue[Item]] = set()
        self._idem: OrderedDict[str, Answer] = OrderedDict()
        self._journal: TextIO | None = None
        self.journaled = journal is not None
        start = self._read_journal(Path(journal)) if journal is not None else None
        # A run resumed from the journal draws new customers: the same seed would bring back the customers
        # (and the very messages) of the first run under new chat ids.
        run_seed = seed if self.run_no == 1 else seed + RUN_SEED_STEP * (self.run_no - 1)
        self.rt: SimRuntime = build_sim(self.settings, seed=run_seed, max_chats=max_chats, start=start)
        self.floor = self.rt.floor
        self.sim = self.rt.sim
        if journal is not None:
            self._open_journal(Path(journal))
        self.floor.subscribe(self._on_floor_event)

    # -- the journal ---------------------------------------------------------------------------------
    def _read_journal(self, path: Path) -> float | None:
        """Take the earlier runs' events from the journal. Returns the time the simulated clock resumes
        at (None: a new journal, the clock starts at the wall clock's time): the journal's latest event
        time plus the real time since it was last written, so that the platform's clock never goes back
        (a shop run with ``--speed`` is ahead of the wall clock) and agrees with a console that followed it
        while it was down; never earlier than the wall clock."""
        self._torn = False
        if not path.exists():
            return None
        try:
            text = path.read_text(encoding="utf-8")
            written = path.stat().st_mtime
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"journal {path}: cannot be read ({e})") from None
        self._torn = bool(text) and not text.endswith("\n")
        for line in text.splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a kill
            if not isinstance(rec, dict):
                continue
            if "epoch" in rec:
                if self.run_no == 1 and rec.get("run") == 1:
                    self.epoch = str(rec["epoch"])
                self.run_no = max(self.run_no, int(rec.get("run", 1)))
            elif "id" in rec and isinstance(rec.get("data"), str):
                self._remember(str(rec["id"]), rec["data"])
        if self.seq:
            self.run_no += 1
        now = time.time()
        if self.last_at is None:
            return None
        return max(now, self.last_at + max(0.0, now - written))

    def _open_journal(self, path: Path) -> None:
        try:
            self._journal = path.open("a", encoding="utf-8")
        except OSError as e:
            raise InputError(f"journal {path}: cannot be written ({e.strerror})") from None
        if self._torn:
            self._journal.write("\n")
        self._journal.write(json.dumps({"epoch": self.epoch, "run": self.run_no, "started_at": time.time(),
                                        "clock": round(self.sim.clock.now(), 3)}) + "\n")
        self._journal.flush()
        for chat_id in list(self.open_events):  # lost with the previous process: no outcome
            self._publish(chat_id, {"type": "chat.closed", "chat_id": chat_id, "resolved_by": None,
                                    "ending": RESTARTED, "at": round(self.sim.clock.now(), 3)})

    def _remember(self, event_id: str, data: str) -> None:
        seq = int(event_id.rpartition("-")[2])
        self.seq = max(self.seq, seq)
        self.log.append((seq, event_id, data))
        try:
            body = json.loads(data)
        except json.JSONDecodeError:
            return
        if not isinstance(body, dict):
            return
        at = body.get("sent_at", body.get("at"))
        if isinstance(at, (int, float)) and math.isfinite(at):
            self.last_at = at if self.last_at is None else max(self.last_at, at)
        chat_id = body.get("chat_id")
        if not isinstance(chat_id, str):
            return
        self.last_of[chat_id] = event_id
        if body.get("type") == "chat.closed":
            self.open_events.pop(chat_id, None)
            self.closed[chat_id] = None
            while len(self.closed) > 100_000:
                self.closed.popitem(last=False)
        elif body.get("type") == "chat.opened" or chat_id in self.open_events:
            self.open_events.setdefault(chat_id, []).append((event_id, data))

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # -- events ----------------------------------------------------------------------------------------
    def ext_id(self, sim_id: str) -> str:
        ext = self._to_ext.get(sim_id)
        if ext is None:
            if not self.journaled:
                # no history kept: part of the run's epoch keeps ids unique across runs, short enough for
                # the console's id column (C00003-1a2b)
                ext = f"{sim_id}-{self.epoch[:4]}"
            else:
                ext = sim_id if self.run_no == 1 else f"{sim_id}-{self.run_no}"
            self._to_ext[sim_id] = ext
            self._to_sim[ext] = sim_id
        return ext

    def chat(self, ext_id: str) -> ChatState:
        """The simulator's state of the chat consoles know as ``ext_id``."""
        return self.floor.chat(self._to_sim.get(ext_id, ext_id))

    def _on_floor_event(self, ev: Event) -> None:
        d = ev.data
        cid = self.ext_id(ev.chat_id)
        body: dict[str, Any] = {"chat_id": cid}
        at = round(ev.at, 3)
        t = ev.type
        if t is EventType.CHAT_OPENED:
            body |= {"type": "chat.opened", "customer": d["customer"], "channel": d["channel"], "at": at}
            if d.get("intent"):
                body["intent"] = d["intent"]
            body["eligible"] = bool(d.get("eligible", True))
        elif t is EventType.MESSAGE:
            body |= {"type": "message", "role": d["role"], "text": d["text"], "sent_at": at}
            if d["role"] == "ai" and d.get("confidence") is not None:
                body["confidence"] = d["confidence"]
        elif t is EventType.CHAT_ESCALATED:
            body |= {"type": "chat.escalated", "trigger": d["trigger"], "reason": d.get("reason") or None, "at": at}
        elif t is EventType.CHAT_ASSIGNED:
            body |= {"type": "chat.assigned", "supervisor": d["supervisor"], "at": at}
        elif t is EventType.CHAT_RELEASED:
            body |= {"type": "chat.released", "at": at}
        elif t is EventType.CHAT_CLOSED:
            body |= {"type": "chat.closed", "resolved_by": d.get("resolved_by"), "abandoned": bool(d.get("abandoned")), "at": at}
            if d.get("rating") is not None:
                body["rating"] = d["rating"]
        elif t is EventType.AGENT_ERROR:
            body |= {"type": "agent.error", "error": d.get("error")}  # an extension: consoles ignore it
        else:
            return
        self._publish(cid, body)

    def _publish(self, chat_id: str, body: dict[str, Any]) -> str:
        return self.inject(json.dumps(body, ensure_ascii=False, separators=(",", ":")))

    def inject(self, data: str) -> str:
        """Send ``data`` as the next event, as is (also for tests: malformed or unknown events)."""
        event_id = f"{self.epoch}-{self.seq + 1}"
        if self._journal is not None:
            self._journal.write(json.dumps({"id": event_id, "data": data}, ensure_ascii=False) + "\n")
            self._journal.flush()  # in the file before any console hears of it
        self._remember(event_id, data)
        for q in self._queues:
            q.put_nowait((event_id, data))
        return event_id

    def subscribe(self, last_id: str | None) -> tuple[list[Item], asyncio.Queue[Item]]:
        """The events a console must get first (those after ``last_id``, or a snapshot of the open chats
        when ``last_id`` is missing or unknown here) and a queue of the events to come. Atomic."""
        q: asyncio.Queue[Item] = asyncio.Queue()
        self._queues.add(q)
        return self.events_after(last_id), q

    def unsubscribe(self, q: asyncio.Queue[Item]) -> None:
        self._queues.discard(q)

    def events_after(self, last_id: str | None) -> list[Item]:
        if last_id:
            epoch, _, n = last_id.rpartition("-")
            if epoch == self.epoch and n.isdigit() and int(n) <= self.seq:
                oldest = self.log[0][0] if self.log else self.seq + 1
                start = int(n) + 1 - self.overlap
                if start >= oldest:
                    return [(eid, data) for _, eid, data in list(self.log)[start - oldest :]]
        snapshot = [item for items in self.open_events.values() for item in items]
        return sorted(snapshot, key=lambda item: int(item[0].rpartition("-")[2]))

    # -- commands --------------------------------------------------------------------------------------
    async def command(self, chat_id: str, action: str, body: bytes, key: str | None = None) -> Answer:
        """Carry out a supervisor's command; the answer's status and JSON body. Idempotent per ``key``."""
        if key is not None and key in self._idem:
            return self._idem[key]
        answer = await self._command(chat_id, action, body)
        if key is not None and answer[0] != 500:
            self._idem[key] = answer
            while len(self._idem) > 10_000:
                self._idem.popitem(last=False)
        return answer

    async def _command(self, chat_id: str, action: str, raw: bytes) -> Answer:
        model = COMMAND_MODELS.get(action)
        if model is None:
            return 404, {"error": f"no command {action!r} (takeover, messages, handback, close)"}
        try:
            cmd = model.model_validate_json(raw or b"{}")
        except ValidationError as e:
            return 422, {"error": f"{action}: {describe_error(e)}"}
        sim_id = self._to_sim.get(chat_id)
        chat = self.floor.chats.get(sim_id) if sim_id else None
        if chat is None or chat.status is ChatStatus.CLOSED:
            if chat is not None or chat_id in self.closed:
                return 409, {"error": f"chat {chat_id} is closed"}
            return 404, {"error": f"no chat {chat_id}"}
        assert sim_id is not None
        supervisor: str = cmd.supervisor  # type: ignore[attr-defined]
        holder = chat.holder if chat.status is ChatStatus.HUMAN else None
        try:
            if isinstance(cmd, TakeoverCommand):
                if holder is not None:
                    if holder == supervisor:  # a repeated takeover: already done
                        return 200, {"event_id": self.last_of.get(chat_id)}
                    return 409, {"error": f"chat {chat_id} is held by {holder}", "holder": holder}
                await self.sim.take_over(sim_id, supervisor)
            else:
                if holder is None:
                    return 409, {"error": f"chat {chat_id} is not held by a human"}
                if holder != supervisor:
                    return 409, {"error": f"chat {chat_id} is held by {holder}", "holder": holder}
                if isinstance(cmd, MessageCommand):
                    await self.sim.send(sim_id, supervisor, cmd.text)
                elif isinstance(cmd, CloseCommand) and cmd.outcome == "resolved":
                    await self.sim.resolve(sim_id, supervisor)
                elif isinstance(cmd, CloseCommand):
                    self.floor.close(sim_id, None)
                    self.sim._replace()  # keep the floor at its size, as a resolved chat does
                else:
                    await self.sim.hand_back(sim_id, supervisor)
        except CommandRefused as e:
            return 409, {"error": str(e)}
        return 200, {"event_id": self.last_of.get(chat_id)}

    # -- time --------------------------------------------------------------------------------------------
    async def run(self) -> None:
        """Move the simulated clock with the wall clock (times ``speed``) until cancelled."""
        loop = asyncio.get_running_loop()
        self.sim.start()
        t0, c0 = loop.time(), self.sim.clock.now()
        ticks = 0
        while True:
            await asyncio.sleep(self.tick_s)
            await self.sim.run_until(c0 + (loop.time() - t0) * self.speed)
            ticks += 1
            if ticks % 200 == 0:
                self.floor.forget_closed()
