"""A deterministic discrete-event scheduler on a simulated clock."""

from __future__ import annotations

import heapq
from collections.abc import Awaitable, Callable

from hitl_console.core.clock import SimClock

Action = Callable[[], Awaitable[None]]


class Scheduler:
    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Action]] = []
        self._seq = 0

    def at(self, t: float, action: Action) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (max(t, self.clock.now()), self._seq, action))

    def after(self, delay: float, action: Action) -> None:
        self.at(self.clock.now() + max(0.0, delay), action)

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    async def step(self) -> bool:
        """Run the next action (moving the clock to its time). False when nothing is scheduled."""
        if not self._heap:
            return False
        t, _, action = heapq.heappop(self._heap)
        self.clock.set(t)
        await action()
        return True

    async def run_until(self, t: float) -> int:
        """Run every action due by ``t``, then move the clock to ``t``. Returns how many ran."""
        n = 0
        while self._heap and self._heap[0][0] <= t:
            await self.step()
            n += 1
        if t > self.clock.now():
            self.clock.set(t)
        return n

    def __len__(self) -> int:
        return len(self._heap)
