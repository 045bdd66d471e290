"""The load for ``bench/tui_bench.py``: a runtime whose driver feeds messages into 1,000 live chats.

The rate is read from (and the count of applied messages written to) a small shared-memory block, so the
bench can steer a feed that runs in the console's engine process as well as one on a thread.
"""

from __future__ import annotations

import random
import struct
from multiprocessing import resource_tracker, shared_memory
from pathlib import Path

from hitl_console.config import Settings
from hitl_console.core.models import Role
from hitl_console.tui.runtime import ConsoleRuntime, make_sim_runtime

CUSTOMER = [
    "where is my parcel, it was due on monday",
    "this is the third time I ask, nobody helps me!!",
    "ok thanks",
    "I want a refund for order #A12345 now",
    "the item arrived broken and the box was wet",
    "can you check the tracking number please?",
    "why was my card charged twice?",
    "fine, I'll wait",
]
AI = [
    "Your order ships tomorrow; you will get a tracking link by email.",
    "I'm sorry about that. Please upload a photo under My Orders > Return/Refund.",
    "Refunds go back to the original payment method within 3-5 business days.",
]
_LAYOUT = struct.Struct("dd")  # rate (events/s, written by the bench), applied (written by the feed)


class Control:
    """The shared block: ``rate`` set by the bench, ``applied`` counted by the feed."""

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            self.shm = shared_memory.SharedMemory(create=True, size=_LAYOUT.size)
            self.shm.buf[: _LAYOUT.size] = _LAYOUT.pack(0.0, 0.0)
        else:
            self.shm = shared_memory.SharedMemory(name=name)
            resource_tracker.unregister(self.shm._name, "shared_memory")  # type: ignore[attr-defined]  # the creator frees it
        self.name = self.shm.name

    @property
    def rate(self) -> float:
        return float(_LAYOUT.unpack_from(self.shm.buf, 0)[0])

    @rate.setter
    def rate(self, value: float) -> None:
        struct.pack_into("d", self.shm.buf, 0, value)

    @property
    def applied(self) -> int:
        return int(_LAYOUT.unpack_from(self.shm.buf, 0)[1])

    def add_applied(self, n: int) -> None:
        struct.pack_into("d", self.shm.buf, 8, self.applied + n)

    def close(self, unlink: bool = False) -> None:
        self.shm.close()
        if unlink:
            self.shm.unlink()


class FeedDriver:
    """Feeds ``rate`` messages per wall second into random live chats (at most 0.25 s of them per step)."""

    def __init__(self, floor: object, chats: int, control: Control, seed: int = 1) -> None:
        self.floor = floor
        self.chats = chats
        self.control = control
        self._owed = 0.0
        self.rng = random.Random(seed)

    async def start(self) -> None:
        for i in range(self.chats):
            self.floor.open_chat(f"B{i:05d}", f"Cust {i}", None, intent="order_status", eligible=True)  # type: ignore[attr-defined]

    async def advance(self, wall_dt: float) -> None:
        rate = self.control.rate
        self._owed = min(self._owed + rate * wall_dt, rate * 0.25)
        n = int(self._owed)
        self._owed -= n
        floor = self.floor
        rng = self.rng
        chats = floor.chats  # type: ignore[attr-defined]
        ids = list(chats)
        done = 0
        for _ in range(n):
            cid = ids[rng.randrange(len(ids))]
            if chats[cid].status.value == "closed":
                continue
            if rng.random() < 0.5:
                floor.add_message(cid, Role.CUSTOMER, rng.choice(CUSTOMER))  # type: ignore[attr-defined]
            else:
                floor.add_message(cid, Role.AI, rng.choice(AI), confidence=rng.uniform(0.3, 0.99))  # type: ignore[attr-defined]
            done += 1
        if done:
            self.control.add_applied(done)

    async def stop(self) -> None:
        return None


def make_feed_runtime(
    settings: Settings, db: Path, chats: int, control: str | Control, *, threaded: bool
) -> ConsoleRuntime:
    """The real floor, scoring and log, with the feed as its driver (the simulator stays idle). ``control``:
    the bench's own block (same process) or its name (the engine's process attaches to it)."""
    rt = make_sim_runtime(settings, db=db, supervisor="bench", speed=0.0, warmup_s=0.0, threaded=threaded)
    rt.driver = FeedDriver(rt.floor, chats, control if isinstance(control, Control) else Control(control))
    return rt
