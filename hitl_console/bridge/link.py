"""The state of the link to a platform and its counters, for the console's header and the log.

:class:`Link` is changed only on the loop that runs the bridge; :meth:`Link.snapshot` gives a frozen copy
that another thread (the screen) may read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
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
    restarts: int = 0  # times the platform came back without its history
    clock_fixes: int = 0  # events applied at another time than the platform's (behind their chat, or a jump)
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
        if self.restarts:
            s += f", platform restarts {self.restarts}"
        if self.clock_fixes:
            s += f", clock fixes {self.clock_fixes}"
        if self.last_error and self.state is not LinkState.CONNECTED:
            s += f" | {self.last_error}"
        return s


class Link:
    """Mutable link state and counters (changed on the bridge's loop); listeners hear of every state change.
    :meth:`snapshot` copies them into a frozen :class:`LinkSnapshot`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.state = LinkState.CONNECTING
        self.since = time.time()
        self.last_error = ""
        self.last_event_id: str | None = None
        self.events = self.applied = self.duplicates = self.malformed = self.ignored = 0
        self.reconnects = self.failures = self.commands_failed = self.restarts = self.clock_fixes = 0
        self._listeners: list[Callable[[LinkSnapshot], None]] = []

    def subscribe(self, listener: Callable[[LinkSnapshot], None]) -> None:
        self._listeners.append(listener)

    def snapshot(self) -> LinkSnapshot:
        return LinkSnapshot(
            url=self.url,
            state=self.state,
            since=self.since,
            events=self.events,
            applied=self.applied,
            duplicates=self.duplicates,
            malformed=self.malformed,
            ignored=self.ignored,
            reconnects=self.reconnects,
            failures=self.failures,
            commands_failed=self.commands_failed,
            restarts=self.restarts,
            clock_fixes=self.clock_fixes,
            last_event_id=self.last_event_id,
            last_error=self.last_error,
        )

    def set_state(self, state: LinkState, error: str | None = None) -> None:
        if error is not None:
            self.last_error = error
        if state is not self.state:
            self.state = state
            self.since = time.time()
            snap = self.snapshot()
            for listener in self._listeners:
                listener(snap)


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
