"""The clock of a bridged floor: this machine's clock, moved forward to the platform's time whenever the
platform's clock is ahead of it (a skewed clock, or a simulated shop running faster than real time), so
that the platform's times of its events can be kept as they are and the floor's waits and ages agree with
them. It never goes back."""

from __future__ import annotations

from hitl_console.core.clock import Clock, WallClock

MAX_LEAD_S = 366 * 24 * 3600.0  # a time further ahead than this is not believed


class FollowingClock:
    """``base`` time plus the largest lead of the platform's clock seen so far."""

    def __init__(self, base: Clock | None = None) -> None:
        self.base = base or WallClock()
        self.ahead = 0.0

    def now(self) -> float:
        return self.base.now() + self.ahead

    def observe(self, platform_at: float) -> bool:
        """Note a time from the platform. False (ignored) when it is implausibly far ahead."""
        lead = platform_at - self.base.now()
        if lead > MAX_LEAD_S:
            return False
        self.ahead = max(self.ahead, lead)
        return True
