"""The state of the link to a platform and its counters, for the console's header and the log.

:class:`Link` is changed only on the loop that runs the bridge; :meth:`Link.snapshot` gives a frozen copy
that another thread (the screen) may read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from hitl_console.core.engine import CommandRefused
from hitl_console.errors import HitlError


class LinkState(StrEnum):
    CONNECTING = "connecting"  # the first connection is being made
    CONNECTED = "connected"  # the event stream is open
    RECONNECTING = "reconnecting"  # the stream was lost (or never opened); retrying with backoff
    DOWN = "down"  # stopped: the token was refused, the platform is unreachable, or the console ended


@dataclass(frozen=True, slots=True)
class LinkSnapshot:
    url: str
    state: LinkState = LinkState.CONNECTING
    since: float = 0.0  # wall time of the last state change
    events: int = 0  # events received (each id counted once)
    applied: int = 0  # events applied to the floor
    duplicates: int = 0  # events whose id had been applied already
    malformed: int = 0  # events not applied: bad data, or refused by the floor
    ignored: int = 0  # events of an unknown type
    reconnects: int = 0  # streams opened after the first
    failures: int = 0  # failed connection attempts in a row
    commands_failed: int = 0  # commands the platform did not confirm
    last_event_id: str | None = None
    last_error: str = ""

    def line(self) -> str:
        """One line for a header or a log: state and counters."""
        s = f"link {self.state.value}"
        if self.state is LinkState.RECONNECTING and self.failures:
            s += f" (try {self.failures + 1})"
        s += f" | events {self.events}, dup {self.duplicates}, malformed {self.malformed}, ignored {self.ignored}"
        if self.reconnects:
            s += f", reconnects {self.reconnects}"
        if self.commands_failed:
            s += f", failed commands {self.commands_failed}"
        if self.last_error and self.state is not LinkState.CONNECTED:
            s += f" | {self.last_error}"
        return s


class Link:
    """Mutable link state; listeners hear of every state change."""

    def __init__(self, url: str) -> None:
        self._snap = LinkSnapshot(url=url, since=time.time())
        self._listeners: list[Callable[[LinkSnapshot], None]] = []

    def subscribe(self, listener: Callable[[LinkSnapshot], None]) -> None:
        self._listeners.append(listener)

    def snapshot(self) -> LinkSnapshot:
        return self._snap

    @property
    def state(self) -> LinkState:
        return self._snap.state

    def set_state(self, state: LinkState, error: str | None = None) -> None:
        old = self._snap
        snap = replace(old, last_error=old.last_error if error is None else error)
        if state is not old.state:
            snap = replace(snap, state=state, since=time.time())
        self._snap = snap
        if state is not old.state:
            for listener in self._listeners:
                listener(snap)

    def count(self, **deltas: int) -> None:
        s = self._snap
        self._snap = replace(s, **{k: getattr(s, k) + v for k, v in deltas.items()})

    def update(self, **values: object) -> None:
        self._snap = replace(self._snap, **values)  # type: ignore[arg-type]


class BridgeError(HitlError):
    """The platform cannot be used: unreachable, not a bridge endpoint, or it refused the token."""


class BridgeAuthError(BridgeError):
    """The platform answered 401: the token is missing or wrong."""


class HeldElsewhere(CommandRefused):
    """The platform answered 409: another supervisor holds the chat."""

    def __init__(self, chat_id: str, holder: str | None, message: str) -> None:
        super().__init__(message)
        self.chat_id = chat_id
        self.holder = holder


class CommandFailed(CommandRefused):
    """A command the platform did not confirm (unreachable, or its event did not arrive in time).
    Nothing is shown as done; if the platform did carry it out, its event updates the floor later."""
