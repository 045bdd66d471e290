"""What the console (TUI or a simulated supervisor) can ask of a source of chats.

The simulator, the scenario player and the HTTP bridge implement it; the floor checks legality, the source
tells the customer side (simulated customers or the real platform).
"""

from __future__ import annotations

from typing import Protocol

from hitl_console.core.engine import Floor, OpenTakeover
from hitl_console.core.models import Message


class Source(Protocol):
    floor: Floor

    async def take_over(self, chat_id: str, supervisor: str) -> OpenTakeover:
        """Take a chat (raises CommandRefused when it is not possible)."""
        ...

    async def send(self, chat_id: str, supervisor: str, text: str) -> Message:
        """Write to the customer as the human holding the chat."""
        ...

    async def hand_back(self, chat_id: str, supervisor: str) -> None:
        """Return the chat to the AI."""
        ...

    async def resolve(self, chat_id: str, supervisor: str) -> None:
        """Close the chat as resolved by the human; the customer rates it."""
        ...

    async def draft(self, chat_id: str) -> str:
        """An AI-drafted reply for the human."""
        ...

    async def brief(self, chat_id: str) -> str:
        """The takeover brief."""
        ...
