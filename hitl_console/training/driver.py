"""The scenario clock for the interactive rehearsal: moves the player with the wall clock (times a speed
factor), pauses, and says when the scenario is over. It fits the console's ``Driver`` protocol."""

from __future__ import annotations

from hitl_console.training.player import ScenarioPlayer


class RehearsalDriver:
    """``advance`` runs on the engine's loop; ``paused``, ``over`` and ``speed`` are plain flags the screen
    may read or set from its own thread."""

    def __init__(self, player: ScenarioPlayer, speed: float = 1.0, *, max_step_s: float = 1.0) -> None:
        self.player = player
        self.speed = speed
        self.max_step_s = max_step_s
        self.paused = False
        self.over = False

    async def start(self) -> None:
        self.player.start()
        await self.player.run_until(self.player.clock.now())  # the chats that open at once

    async def advance(self, wall_dt: float) -> None:
        if self.over:
            return
        if not self.paused and self.speed > 0:
            await self.run_for(min(wall_dt, self.max_step_s) * self.speed)
        if self.player.done():
            self.over = True

    async def run_for(self, seconds: float) -> int:
        """Move the scenario clock ``seconds`` forward (also while paused: for tests and skipping)."""
        return await self.player.run_until(self.player.clock.now() + seconds)

    async def stop(self) -> None:
        return None
