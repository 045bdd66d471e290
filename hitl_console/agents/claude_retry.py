"""Bounded retries with backoff for calls to Claude, one recorded :class:`Attempt` per call.

The SDK's own retries are switched off (``max_retries=0``) so that every attempt is seen and logged here:

- timeouts, connection errors, 408, 409, 429, 5xx (529 overloaded included) and a malformed answer
  (no or a broken ``reply`` tool call) are retried, up to ``max_attempts`` calls in all;
- the wait before a retry is ``backoff_s * 2**(n-1)`` with +-20% jitter, capped at ``max_backoff_s``;
  a ``retry-after`` (or ``retry-after-ms``) header is respected exactly, and one longer than
  ``max_retry_after_s`` ends the retries at once (the chat escalates instead of hanging);
- a refusal, a bad request and an authentication or permission error are not retried.

Messages built here never include the API's error text or request (they could echo credentials):
only the status code, the error type and words of our own.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import anthropic

from hitl_console.config import AgentSettings

log = logging.getLogger("hitl_console.agents.claude")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

_RETRYABLE_STATUS = frozenset({408, 409, 429})
_SAFE_TYPE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call to Claude: its number, what came of it, how long it took and how long we then waited."""

    n: int
    outcome: str  # ok | timeout | connection | rate_limited | overloaded | server_error | malformed | refusal | ...
    status: int | None = None
    latency_s: float = 0.0
    wait_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class CallFailed(Exception):
    """One failed call: a safe one-line ``message``, its ``outcome`` kind, whether to retry it."""

    def __init__(
        self,
        outcome: str,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


class RetriesExhausted(Exception):
    """The last failure, after every attempt (``attempts`` lists them all)."""

    def __init__(self, last: CallFailed, attempts: list[Attempt], why: str) -> None:
        super().__init__(f"{last.message} ({why})")
        self.last = last
        self.attempts = attempts
        self.why = why


def retry_after_s(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date); None if absent or bad."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def classify(exc: BaseException) -> CallFailed:
    """A safe :class:`CallFailed` for an exception raised by the SDK."""
    if isinstance(exc, CallFailed):
        return exc
    if isinstance(exc, anthropic.APITimeoutError):
        return CallFailed("timeout", "Claude did not answer in time", retryable=True)
    if isinstance(exc, anthropic.APIConnectionError):
        return CallFailed("connection", "cannot reach the Claude API", retryable=True)
    if isinstance(exc, anthropic.APIStatusError):
        code = exc.status_code
        kind = exc.type if isinstance(exc.type, str) and _SAFE_TYPE.fullmatch(exc.type) else None
        suffix = f" ({code}{', ' + kind if kind else ''})"
        wait = retry_after_s(exc.response.headers)
        if code == 429:
            return CallFailed("rate_limited", "Claude API rate limit" + suffix, retryable=True, status=code,
                              retry_after=wait)
        if code == 529:
            return CallFailed("overloaded", "Claude API overloaded" + suffix, retryable=True, status=code,
                              retry_after=wait)
        if code >= 500:
            return CallFailed("server_error", "Claude API server error" + suffix, retryable=True, status=code,
                              retry_after=wait)
        if code in _RETRYABLE_STATUS:
            return CallFailed("http_error", "Claude API error" + suffix, retryable=True, status=code,
                              retry_after=wait)
        if code == 401:
            return CallFailed("auth", "Claude API rejected the API key" + suffix, retryable=False, status=code)
        if code == 403:
            return CallFailed("auth", "Claude API refused access" + suffix, retryable=False, status=code)
        return CallFailed("bad_request", "Claude API refused the request" + suffix, retryable=False, status=code)
    if isinstance(exc, anthropic.APIResponseValidationError):
        return CallFailed("malformed", "Claude API sent a response that does not parse", retryable=True)
    if isinstance(exc, anthropic.AnthropicError):
        return CallFailed("client_error", f"Claude client error ({type(exc).__name__})", retryable=False)
    raise exc  # not ours to hide


def backoff_s(settings: AgentSettings, n: int, rng: random.Random) -> float:
    """The wait after failed attempt ``n`` (1-based) when the server says nothing."""
    base = settings.backoff_s * (2 ** (n - 1)) * rng.uniform(0.8, 1.2)
    return min(settings.max_backoff_s, base)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    settings: AgentSettings,
    *,
    sleep: Sleep,
    rng: random.Random,
    attempts: list[Attempt],
    max_attempts: int | None = None,
    max_wait_s: float | None = None,
    label: str = "reply",
) -> T:
    """Run ``call`` until it succeeds or the attempts run out; append an :class:`Attempt` for each try.

    ``max_attempts`` / ``max_wait_s`` tighten the settings (e.g. for a draft the human is waiting for).
    """
    limit = min(settings.max_attempts, max_attempts or settings.max_attempts)
    longest = settings.max_retry_after_s if max_wait_s is None else min(max_wait_s, settings.max_retry_after_s)
    n = 0
    while True:
        n += 1
        t0 = time.monotonic()
        try:
            result = await call()
        except (anthropic.AnthropicError, CallFailed) as e:
            f = classify(e)
            took = round(time.monotonic() - t0, 3)
            if not f.retryable:
                attempts.append(Attempt(n, f.outcome, f.status, took))
                log.warning("claude %s attempt %d: %s (not retried)", label, n, f.message)
                raise RetriesExhausted(f, attempts, "not retried") from None
            if n >= limit:
                attempts.append(Attempt(n, f.outcome, f.status, took))
                log.warning("claude %s attempt %d: %s (giving up)", label, n, f.message)
                raise RetriesExhausted(f, attempts, f"after {n} attempt{'s' if n > 1 else ''}") from None
            if f.retry_after is not None:
                if f.retry_after > longest:
                    attempts.append(Attempt(n, f.outcome, f.status, took))
                    log.warning("claude %s attempt %d: %s; retry-after %.1fs is too long", label, n, f.message,
                                f.retry_after)
                    raise RetriesExhausted(f, attempts, f"retry-after {f.retry_after:g}s is too long") from None
                wait = f.retry_after
            else:
                wait = backoff_s(settings, n, rng)
            attempts.append(Attempt(n, f.outcome, f.status, took, round(wait, 3)))
            log.info("claude %s attempt %d: %s; retrying in %.2fs", label, n, f.message, wait)
            await sleep(wait)
            continue
        attempts.append(Attempt(n, "ok", None, round(time.monotonic() - t0, 3)))
        return result
