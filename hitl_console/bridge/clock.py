"""The clock of a bridged floor: this machine's clock, moved forward to the platform's time whenever the
platform's clock is ahead of it (a skewed clock, or a simulated shop running faster than real time), so
that the platform's times of its events can be kept as they are and the floor's waits and ages agree with
them. It never goes back, except when the platform came back without its history (:meth:`rebase`).

A platform time more than :data:`MAX_STEP_S` ahead of this clock is a jump, not a drift: a clock that runs
ahead, even 1000 times faster than real time, gets there by small steps as its events come in. A jump is
believed only when the next time confirms it (it is as far ahead, give or take ``MAX_STEP_S``): a platform
that was idle while running fast moves this clock at its second event, and one wrong time (a day ahead)
moves nothing."""

from __future__ import annotations

from hitl_console.core.clock import Clock, WallClock

MAX_STEP_S = 3600.0  # a platform time further ahead of this clock than this, at once, is a jump


class FollowingClock:
    """``base`` time plus the largest lead of the platform's clock seen so far."""

    def __init__(self, base: Clock | None = None, *, max_step_s: float = MAX_STEP_S) -> None:
        self.base = base or WallClock()
        self.max_step_s = max_step_s
        self.ahead = 0.0
        self._jump: float | None = None  # the lead of the last jump not believed

    def now(self) -> float:
        return self.base.now() + self.ahead

    def observe(self, platform_at: float) -> bool:
        """Note a time from the platform. False (not believed; this clock unchanged) when it jumps more than
        ``max_step_s`` ahead of this clock and the time before did not jump as far."""
        lead = platform_at - self.base.now()
        if lead - self.ahead > self.max_step_s:
            confirmed = self._jump is not None and abs(lead - self._jump) <= self.max_step_s
            self._jump = None if confirmed else lead
            if not confirmed:
                return False
        else:
            self._jump = None
        self.ahead = max(self.ahead, lead)
        return True

    def rebase(self) -> None:
        """Forget the platform's lead (a platform that came back without its history has a clock of its
        own): this clock goes back to ``base`` time, and follows the new platform from there."""
        self.ahead = 0.0
        self._jump = None
